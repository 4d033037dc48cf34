"""Optimizer: parameter groups, per-parameter state, zero_grad, step and state_dict, as torch.optim.Optimizer.

Subclasses validate their hyperparameters and implement `_step_group(group)`, which gathers the parameters that
have a gradient plus their state arrays and hands them to a plain update function on NumPy arrays (`sgd_update`,
`adam_update`, ...). Those functions update in place and know nothing of Tensors or autograd, so a fused C++ kernel
can replace one without touching the class.
"""
from collections import defaultdict
from copy import deepcopy

import numpy as np

from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor


_IMPLEMENTATION_DEFAULTS = {"foreach": None, "fused": None, "capturable": False, "differentiable": False}


class Optimizer:
    """Base class: `params` is an iterable of Tensors, or of dicts (parameter groups) whose keys override `defaults`."""

    # PyTorch options that choose an implementation, not the maths; deepgrad has one implementation of each
    IMPLEMENTATION_OPTIONS = ("foreach", "fused", "capturable", "differentiable")

    def __init__(self, params, defaults, **implementation_options):
        for name, value in implementation_options.items():
            if name not in self.IMPLEMENTATION_OPTIONS:
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument '{name}'")
            if value and name != "foreach":
                raise ValueError(f"{type(self).__name__}: {name}=True is not supported by deepgrad")
        # PyTorch lists these options in every param group (foreach=None, fused=None, ... by default)
        for name in self.IMPLEMENTATION_OPTIONS:
            defaults.setdefault(name, implementation_options.get(name, _IMPLEMENTATION_DEFAULTS[name]))
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + type(params).__name__
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with 'params' and optional per-group hyperparameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in "
                "sets will change between runs. Please use a list instead."
            )
        param_group["params"] = params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + type(p).__name__)
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        # Torch only warns here; a repeated parameter would be updated twice per step, so it is an error.
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    if p.grad._data.flags.writeable:
                        p.grad._data.fill(0)
                    else:
                        p.grad._data = np.zeros_like(p.grad._data)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; `closure` re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group):
        raise NotImplementedError(f"{type(self).__name__} does not implement _step_group")

    def _params_with_grad(self, group):
        """(params, grads) as NumPy arrays for the group's parameters whose grad is not None."""
        params, grads = [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = p.grad._data
            params.append(p)
            grads.append(grad if grad.dtype == p._data.dtype else grad.astype(p._data.dtype))
        return params, grads

    def _states(self, params, init):
        """The state dict of each parameter, filled by init(p) -> dict on its first step."""
        states = []
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state.update(init(p))
            states.append(state)
        return states

    # ---- state (PyTorch's format: parameters are replaced by their index across all groups) ----
    def state_dict(self):
        """{'state': {index: {name: value}}, 'param_groups': [{hyperparameters..., 'params': [indices]}]}."""
        index, groups = {}, []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state_dict() (ours or PyTorch's, tensors as Tensors or arrays); state values are copied."""
        saved_groups = deepcopy(state_dict["param_groups"])
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)} saved, {len(groups)} in this optimizer)"
            )
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size of optimizer's group "
                    f"(group {i}: {len(s['params'])} saved parameters, {len(g['params'])} in this optimizer)"
                )
        id_map = {saved: p for g, s in zip(groups, saved_groups) for saved, p in zip(s["params"], g["params"])}
        state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key not in id_map and str(key).isdigit():
                key = int(key)
            p = id_map[key]
            state[p] = {name: _load_state_value(p, key, name, v) for name, v in values.items()}
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            for name, default in self.defaults.items():
                s.setdefault(name, default)
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups


def _load_state_value(p, index, name, value):
    """A copy of one saved state entry: 'step' stays a float32 scalar, other arrays take the parameter's dtype."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if name == "step":
        return Tensor._wrap(np.array(np.asarray(value), dtype=np.float32).reshape(()))
    array = np.array(value._data if isinstance(value, Tensor) else value, copy=True)
    if array.shape != p._data.shape:
        raise ValueError(
            f"load_state_dict: state '{name}' of parameter {index} has shape {array.shape}, "
            f"but the parameter has shape {p._data.shape}"
        )
    if array.dtype.kind == "f":
        array = array.astype(p._data.dtype, copy=False)
    return Tensor._wrap(array)


def zeros_state(p):
    """A state Tensor of zeros shaped and typed like parameter p."""
    return Tensor._wrap(np.zeros_like(p._data))


def step_state():
    """The step counter Adam-family optimizers keep: a float32 scalar Tensor, as torch does."""
    return Tensor._wrap(np.zeros((), dtype=np.float32))


def lerp_(start, end, weight):
    """start <- start + weight * (end - start), in place, with torch's two-sided formula for accuracy."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        w = start.dtype.type(1) - start.dtype.type(weight)
        np.subtract(end, (end - start) * w, out=start)

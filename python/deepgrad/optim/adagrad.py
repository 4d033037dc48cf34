"""Adagrad with learning-rate decay (torch.optim.Adagrad)."""
import numpy as np

from .optimizer import Optimizer, step_state
from ..tensor import Tensor


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.): clr = lr / (1 + (t - 1) * lr_decay); s += g^2; p -= clr * g / (sqrt(s) + eps)."""

    IMPLEMENTATION_OPTIONS = ("foreach", "differentiable", "fused")

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
                 maximize=False, **implementation_options):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults, **implementation_options)
        # As torch, the accumulators exist from construction on (so state_dict() has them before the first step).
        for group in self.param_groups:
            self._states(group["params"], self._initial_state(group))

    @staticmethod
    def _initial_state(group):
        value = group["initial_accumulator_value"]
        return lambda p: {"step": step_state(), "sum": Tensor._wrap(np.full_like(p._data, value))}

    def _step_group(self, group):
        params, grads = self._params_with_grad(group)
        states = self._states(params, self._initial_state(group))
        adagrad_update(
            [p._data for p in params], grads, [s["sum"]._data for s in states], [s["step"]._data for s in states],
            lr=group["lr"], weight_decay=group["weight_decay"], lr_decay=group["lr_decay"], eps=group["eps"],
            maximize=group["maximize"],
        )


def adagrad_update(params, grads, state_sums, steps, *, lr, weight_decay, lr_decay, eps, maximize):
    """In-place Adagrad on NumPy arrays."""
    for i, param in enumerate(params):
        steps[i] += 1
        step = float(steps[i])
        grad = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sums[i] += grad * grad
        std = np.sqrt(state_sums[i])
        std += eps
        param += -clr * grad / std

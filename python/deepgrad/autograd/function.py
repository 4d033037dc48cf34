"""Function: one differentiable op, with forward directly above backward.

Subclasses implement
    forward(ctx, *arrays, **options) -> np.ndarray     (inputs are the NumPy arrays of the Tensor arguments)
    backward(ctx, grad) -> one gradient (np.ndarray or None) per Tensor argument
and are called through `Op.apply(*tensors, **options)`. Large arrays needed by backward go through
`ctx.save_for_backward` so that the engine can free them after a backward without retain_graph.
"""
import inspect
import weakref

import numpy as np

from . import anomaly
from .grad_mode import _state as _grad_state
from .quiet import quiet, restore


class Function:
    # per-instance state, with class-level defaults so that creating a node costs nothing
    inputs = ()
    needs_input_grad = ()
    _saved = ()
    _freed = False
    _trace = None
    _output = None

    # False for Functions whose forward cannot raise NumPy floating-point warnings (C++ kernels, comparisons):
    # they skip silencing them, a third of a small op's cost
    numpy_may_warn = True
    _torch_style = False  # set per subclass: forward written as a PyTorch staticmethod forward(ctx, ...)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._torch_style = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)

    def save_for_backward(self, *arrays):
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate values of the graph are "
                "freed when you call .backward(). Specify retain_graph=True if you need to backward through the "
                "graph a second time."
            )
        return self._saved

    def release(self):
        self._saved = ()
        self._freed = True

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def _input_grads(self, g):
        """One gradient array (or None) per entry of self.inputs."""
        grads = self.backward(g)
        return grads if isinstance(grads, tuple) else (grads,)

    @classmethod
    def apply(cls, *tensors, **options):
        if cls._torch_style:
            return _apply_torch_style(cls, tensors, options)
        ctx = cls()
        arrays = [t._data for t in tensors]
        if cls.numpy_may_warn:
            token = quiet()  # NaN/inf are values here, as in PyTorch; detect_anomaly reports them
            try:
                out = ctx.forward(*arrays, **options)
            finally:
                restore(token)
        else:
            out = ctx.forward(*arrays, **options)
        if anomaly.enabled:
            ctx._trace = anomaly.creation_trace()
            anomaly.check_forward(cls.__name__, arrays, out, ctx._trace)
        result = (_Tensor[0] if _Tensor else _tensor_class())._wrap(out)
        if _grad_state.enabled and result._data.dtype.kind in "fc":
            for t in tensors:
                if t._requires_grad:
                    ctx.inputs = tensors
                    ctx.needs_input_grad = tuple([t._requires_grad for t in tensors])
                    result._requires_grad = True
                    result._ctx = ctx
                    ctx._output = weakref.ref(result)
                    break
        return result


class SliceGrad:
    """A gradient that is zero except at [index] (basic indexing), as Index's backward gives it: the engine adds
    `values` into the destination's gradient in place instead of materialising one zero-padded array per slice
    (a q/k/v split of a (B, T, 3C) projection would otherwise make three full-size arrays and sum them)."""

    __slots__ = ("shape", "index", "values")

    def __init__(self, shape, index, values):
        self.shape, self.index, self.values = shape, index, values

    def dense(self, dtype):
        out = np.zeros(self.shape, dtype=dtype)
        out[self.index] = self.values
        return out


def records_graph(*tensors):
    """Whether an op on these Tensors (None allowed) adds a node to the graph: grad mode is on and one of them
    requires grad. Ops whose forward is a single kernel call check it to skip the Function object when no graph is
    needed (inference, targets under no_grad): the lean path, with the same arithmetic as the op's forward."""
    if anomaly.enabled:  # anomaly mode checks every op's output: keep the Function path
        return True
    if _grad_state.enabled:
        for t in tensors:
            if t is not None and t._requires_grad:
                return True
    return False


_Tensor = []


def _tensor_class():
    """deepgrad.tensor.Tensor, imported on first use (tensor.py imports this module)."""
    if not _Tensor:
        from ..tensor import Tensor

        _Tensor.append(Tensor)
    return _Tensor[0]


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, giving an array of `shape`."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


class _TorchStyle:
    """Mixin behaviour for user Functions written as in PyTorch (static forward(ctx, ...) / backward(ctx, ...))."""

    @staticmethod
    def input_grads(fn, g):
        from ..tensor import Tensor

        grads = type(fn).backward(fn, Tensor._wrap(g))
        grads = grads if isinstance(grads, tuple) else (grads,)
        picked = [grads[i] if i < len(grads) else None for i in fn._tensor_positions]
        return tuple(None if x is None else (x._data if isinstance(x, Tensor) else np.asarray(x)) for x in picked)


def _apply_torch_style(cls, args, kwargs):
    """Run a PyTorch-style custom Function: forward sees Tensors (no graph recorded inside), backward gets Tensors."""
    from ..tensor import Tensor
    from .grad_mode import no_grad

    ctx = cls()
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx.mark_non_differentiable = lambda *t: None
    ctx.set_materialize_grads = lambda value: None
    with no_grad():
        out = cls.forward(ctx, *args, **kwargs)
    if not isinstance(out, Tensor):
        raise NotImplementedError(f"{cls.__name__}.forward must return a single Tensor (got {type(out).__name__})")
    result = Tensor._wrap(out._data)
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    if _grad_state.enabled and any(ctx.needs_input_grad) and result._data.dtype.kind in "fc":
        ctx.inputs = tuple(args[i] for i in positions)
        ctx._tensor_positions = positions
        ctx._input_grads = lambda g: _TorchStyle.input_grads(ctx, g)
        result.requires_grad = True
        result._ctx = ctx
        ctx._output = weakref.ref(result)
    return result

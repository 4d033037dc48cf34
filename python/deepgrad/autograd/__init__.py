"""Reverse-mode automatic differentiation: backward, grad, gradcheck, anomaly detection, grad modes."""
import numpy as np

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function
from .gradcheck import gradcheck
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def _seed_grads(outputs, grad_outputs, op):
    from ..tensor import Tensor

    seeds = []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"{op}: element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs (output has shape {tuple(out.shape)})"
                )
            seeds.append(np.ones(out.shape, dtype=out.dtype))
        else:
            arr = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=out.dtype)
            if arr.shape != tuple(out.shape):
                raise RuntimeError(
                    f"{op}: mismatch in shape: grad_output has shape {arr.shape} and output has shape {tuple(out.shape)}"
                )
            seeds.append(arr.astype(out.dtype, copy=False))
    return seeds


def backward(tensors, grad_tensors=None, retain_graph=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's .grad."""
    from ..tensor import Tensor

    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    seeds = _seed_grads(tensors, grad_tensors, "backward")
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        grads = run_backward(tensors, seeds, retain_graph=bool(retain_graph), inputs=inputs)
        for t, g in zip(inputs, grads):
            if g is not None:
                t.grad = Tensor._wrap(g.astype(t.dtype, copy=True)) if t.grad is None else Tensor._wrap(t.grad._data + g)
        return
    run_backward(tensors, seeds, retain_graph=bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of outputs with respect to inputs, returned (not accumulated)."""
    from ..tensor import Tensor

    if create_graph:
        raise NotImplementedError("autograd.grad: create_graph=True (higher-order gradients) is not supported")
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    seeds = _seed_grads(outputs, grad_outputs, "grad")
    grads = run_backward(outputs, seeds, retain_graph=bool(retain_graph), inputs=inputs)
    result = []
    for i, g in enumerate(grads):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} was not used in the graph; set allow_unused=True if this is the desired behavior"
            )
        result.append(None if g is None else Tensor._wrap(np.array(g, copy=True)))
    return tuple(result)


__all__ = [
    "Function", "backward", "grad", "gradcheck", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
]

"""gradcheck: compare autograd's Jacobian with central finite differences (float64)."""
import numpy as np


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    from ..tensor import Tensor

    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o.dtype.kind == "f"]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_ignored):
    """True when d fn(*inputs) / d input from backward matches (f(x+eps) - f(x-eps)) / 2eps for every element.

    Inputs that require grad must be float64: float32 differences are too coarse to check anything.
    """
    from ..tensor import Tensor
    from . import grad
    from .grad_mode import no_grad

    inputs = _as_tuple(inputs)
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; set requires_grad=True on the inputs to check")
    for i, x in enumerate(diff):
        if x.dtype != np.float64:
            raise ValueError(f"gradcheck: input {i} has dtype {x.dtype}; gradcheck needs float64 inputs")

    outputs = _outputs(fn, inputs)
    # analytic Jacobian, one backward per output element: rows = output elements, cols = input elements
    analytic = [np.zeros((sum(o.numel() for o in outputs), x.numel())) for x in diff]
    row = 0
    for o in outputs:
        for j in range(o.numel()):
            seed = np.zeros(o.shape)
            seed.reshape(-1)[j] = 1.0
            if o.requires_grad:
                gs = grad(o, diff, grad_outputs=Tensor._wrap(seed), retain_graph=True, allow_unused=True)
                for k, g in enumerate(gs):
                    if g is not None:
                        analytic[k][row] = g._data.reshape(-1)
            row += 1

    numeric = [np.zeros_like(a) for a in analytic]
    with no_grad():
        for k, x in enumerate(diff):
            flat = x._data.reshape(-1)
            if not np.shares_memory(flat, x._data):
                raise ValueError("gradcheck: inputs must be contiguous")
            for i in range(flat.size):
                orig = flat[i]
                flat[i] = orig + eps
                plus = np.concatenate([o._data.reshape(-1) for o in _outputs(fn, inputs)] or [np.zeros(0)])
                flat[i] = orig - eps
                minus = np.concatenate([o._data.reshape(-1) for o in _outputs(fn, inputs)] or [np.zeros(0)])
                flat[i] = orig
                numeric[k][:, i] = (plus - minus) / (2 * eps)

    for k, (a, n) in enumerate(zip(analytic, numeric)):
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            bad = np.unravel_index(np.argmax(np.abs(a - n) - rtol * np.abs(n)), a.shape)
            msg = (
                f"gradcheck: Jacobian mismatch for input {k} (shape {tuple(diff[k].shape)}): at output element "
                f"{bad[0]}, input element {bad[1]}: analytic {a[bad]:.8g} vs numerical {n[bad]:.8g}\n"
                f"max abs difference {np.max(np.abs(a - n)):.3g}"
            )
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True

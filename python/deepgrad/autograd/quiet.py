"""NumPy floating-point warnings off around an op's forward: NaN and inf are values here, as in PyTorch.

`np.errstate(all="ignore")` costs about 1 us to enter and leave, which is a fifth of a small op's whole cost, so
on NumPy 2 the error state's context variable is set directly (about 0.3 us); older NumPy takes np.errstate.
"""
import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    _QUIET = _make_extobj(all="ignore")

    def quiet():
        """Silence NumPy's floating-point warnings; returns the token for restore()."""
        return _extobj_contextvar.set(_QUIET)

    def restore(token):
        _extobj_contextvar.reset(token)

except (ImportError, TypeError):  # NumPy 1.x

    def quiet():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def restore(token):
        token.__exit__(None, None, None)

"""detect_anomaly: name the op that first produced NaN, forward or backward."""
import traceback

import numpy as np

enabled = False  # global, as in PyTorch; read on every op, so a plain module attribute


def is_anomaly_enabled():
    return enabled


class detect_anomaly:
    """Context manager (and decorator) that checks every op's output and every gradient for NaN.

    Forward: an op whose inputs are free of NaN but whose output holds NaN raises at once, naming the op.
    Backward: a Function whose backward returns NaN raises, naming it and where it was created.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        global enabled
        self._prev = enabled
        enabled = self.check_nan
        return self

    def __exit__(self, *exc):
        global enabled
        enabled = self._prev
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


def _has_nan(a):
    return isinstance(a, np.ndarray) and a.dtype.kind in "fc" and bool(np.isnan(a).any())


def creation_trace():
    return "".join(traceback.format_stack(limit=12)[:-3])


def check_forward(op_name, inputs, output, trace):
    if _has_nan(output) and not any(_has_nan(x) for x in inputs):
        raise RuntimeError(
            f"detect_anomaly: {op_name} produced nan values in its output from inputs without nan.\n"
            f"The op was called at:\n{trace}"
        )


def check_backward(fn, grads):
    for i, g in enumerate(grads):
        if _has_nan(g):
            trace = getattr(fn, "_trace", None) or "(no trace recorded)"
            raise RuntimeError(
                f"Function '{type(fn).__name__}Backward' returned nan values in its {i}th output.\n"
                f"The forward op was called at:\n{trace}"
            )


class set_detect_anomaly(detect_anomaly):
    def __init__(self, mode, check_nan=True):
        super().__init__(check_nan=bool(mode) and check_nan)
        self.__enter__()

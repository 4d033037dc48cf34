"""Switches for gradient recording: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools
import threading

class _GradState(threading.local):
    enabled = True  # each thread starts with gradients on, as in PyTorch


_state = _GradState()


def is_grad_enabled():
    return _state.enabled


def _set_enabled(mode):
    _state.enabled = bool(mode)


class _GradModeContext:
    """Base for context managers that also work as decorators."""

    mode = True

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Operations inside record no graph: outputs have requires_grad=False."""

    mode = False


class enable_grad(_GradModeContext):
    mode = True


class inference_mode(no_grad):
    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = is_grad_enabled()
            _set_enabled(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _set_enabled(prev)

        return wrapper


class set_grad_enabled:
    def __init__(self, mode):
        self.prev = is_grad_enabled()
        _set_enabled(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_enabled(self.prev)
        return False

"""Parameter: a Tensor that a Module registers as learnable."""
import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        array = data._data if isinstance(data, Tensor) else np.asarray(data)
        super().__init__(None)
        self._data = array
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (self._data, self.requires_grad))

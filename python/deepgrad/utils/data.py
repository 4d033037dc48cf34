"""deepgrad.utils.data mirrors torch.utils.data; the implementation lives in deepgrad.data."""
from ..data import *  # noqa: F401,F403
from ..data import __all__  # noqa: F401

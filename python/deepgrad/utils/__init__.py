"""torch.utils-style aliases: deepgrad.utils.data is deepgrad.data."""
from .. import data  # noqa: F401

"""Reusable model definitions used by the recipes."""
from .cnn import CNN
from .mlp import MLP
from .unet import UNet

__all__ = ["CNN", "MLP", "UNet"]

"""Reusable model definitions used by the recipes."""
from .mlp import MLP

__all__ = ["MLP"]

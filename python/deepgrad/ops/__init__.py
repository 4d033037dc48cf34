"""Differentiable ops, one module per family; each op is a Function with forward above backward."""

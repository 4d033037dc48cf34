"""LoRA: low-rank adapters on chosen Linear layers (Hu et al., 2021), for cheap fine-tuning.

    y = x W^T + b + (dropout(x) A^T B^T) * alpha / r,   A: (r, in_features), B: (out_features, r)

A starts like PyTorch's Linear weight (kaiming_uniform_(a=sqrt(5))) and B at zeros, so a freshly wrapped model
computes exactly what the base model did. The wrapped layer keeps the base `weight` and `bias` under their own
names (a base checkpoint still loads) and adds `lora_A` and `lora_B`.

    wrapped = apply_lora(model, ["c_attn", "c_proj"], r=8, alpha=16)   # freezes everything else
    ... train ...
    dg.save(lora_state_dict(model), "adapters.safetensors")            # the adapters only
    load_lora_state_dict(model, dg.load("adapters.safetensors"))
    merge_lora(model)                                                   # W += B A alpha / r
"""
import fnmatch
import math

from ..autograd.grad_mode import no_grad
from ..tensor import zeros
from . import functional as F
from . import init
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .parameter import Parameter


class LoRALinear(Module):
    """A Linear (its weight and bias, frozen) plus a trainable low-rank update of rank r scaled by alpha / r."""

    def __init__(self, base, r=8, alpha=16, dropout=0.0):
        super().__init__()
        if not isinstance(base, Linear):
            raise TypeError(f"LoRALinear: expected an nn.Linear to wrap, got {type(base).__name__}")
        if r <= 0:
            raise ValueError(f"LoRALinear: rank r must be positive, got {r}")
        self.in_features, self.out_features = base.in_features, base.out_features
        self.weight = base.weight
        if base.bias is not None:
            self.bias = base.bias
        else:
            self.register_parameter("bias", None)
        self.weight.requires_grad_(False)
        if self.bias is not None:
            self.bias.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.lora_A = Parameter(zeros(r, self.in_features, dtype=self.weight.dtype))
        self.lora_B = Parameter(zeros(self.out_features, r, dtype=self.weight.dtype))
        self.lora_dropout = Dropout(dropout)
        self.merged = False
        self.reset_lora_parameters()

    def reset_lora_parameters(self):
        init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        init.zeros_(self.lora_B)

    def delta_weight(self):
        """B @ A * alpha / r: what merging adds to the weight, (out_features, in_features)."""
        return (self.lora_B @ self.lora_A) * self.scaling

    def forward(self, input):
        out = F.linear(input, self.weight, self.bias)
        if self.merged:
            return out
        return out + F.linear(F.linear(self.lora_dropout(input), self.lora_A), self.lora_B) * self.scaling

    def merge(self):
        if not self.merged:
            with no_grad():
                self.weight.add_(self.delta_weight())
            self.merged = True

    def unmerge(self):
        if self.merged:
            with no_grad():
                self.weight.sub_(self.delta_weight())
            self.merged = False

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, r={self.r}, alpha={self.alpha}, "
                f"merged={self.merged}")


def _matches(name, patterns):
    return any(name == p or name.endswith("." + p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def apply_lora(model, target_modules=None, r=8, alpha=16, dropout=0.0):
    """Wrap every Linear of `model` whose qualified name matches one of target_modules (an exact name, a last
    component such as "c_attn", or a glob such as "h.*.mlp.*"; None: every Linear) in a LoRALinear, and freeze
    every other parameter. Returns the wrapped names."""
    if isinstance(target_modules, str):
        target_modules = [target_modules]
    chosen = [name for name, m in model.named_modules()
              if isinstance(m, Linear) and (target_modules is None or _matches(name, target_modules))]
    if not chosen:
        raise ValueError(f"apply_lora: no Linear layer matches {target_modules}; Linear layers: "
                         f"{[n for n, m in model.named_modules() if isinstance(m, Linear)]}")
    model.requires_grad_(False)
    for name in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(getattr(parent, child), r, alpha, dropout))
    return chosen


def lora_modules(model):
    return [(name, m) for name, m in model.named_modules() if isinstance(m, LoRALinear)]


def lora_state_dict(model):
    """Only the adapter weights (the lora_A and lora_B entries of model.state_dict())."""
    return {k: v for k, v in model.state_dict().items() if k.endswith(".lora_A") or k.endswith(".lora_B")}


def load_lora_state_dict(model, state_dict):
    """Load adapter weights saved by lora_state_dict; every adapter of the model must be given, nothing else."""
    expected = set(lora_state_dict(model))
    given = set(state_dict)
    if given != expected:
        raise RuntimeError(f"load_lora_state_dict: missing {sorted(expected - given)}, unexpected "
                           f"{sorted(given - expected)}")
    model.load_state_dict(state_dict, strict=False)


def merge_lora(model):
    """Fold every adapter into its base weight (W += B A alpha / r); forward then costs what the base did."""
    for _, m in lora_modules(model):
        m.merge()


def unmerge_lora(model):
    for _, m in lora_modules(model):
        m.unmerge()


def trainable_parameters(model):
    """(trainable, total) parameter counts."""
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)

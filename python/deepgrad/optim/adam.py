"""Adam and AdamW (torch.optim.Adam / torch.optim.AdamW), with amsgrad and maximize."""
import numpy as np

from .. import _C
from .optimizer import Optimizer, lerp_, step_state, zeros_state


class Adam(Optimizer):
    """Adam (Kingma & Ba), with optional AMSGrad; decoupled_weight_decay=True gives AdamW.

    g = grad (+ weight_decay * p unless decoupled, where p *= 1 - lr * weight_decay instead);
    m = lerp(m, g, 1 - beta1); v = beta2 * v + (1 - beta2) * g^2; (amsgrad: v_max = max(v_max, v), used for v)
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False, **implementation_options):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults, **implementation_options)

    def _step_group(self, group):
        params, grads = self._params_with_grad(group)
        amsgrad = group["amsgrad"]
        states = self._states(params, lambda p: dict(
            step=step_state(), exp_avg=zeros_state(p), exp_avg_sq=zeros_state(p),
            **({"max_exp_avg_sq": zeros_state(p)} if amsgrad else {})))
        beta1, beta2 = group["betas"]
        adam_update(
            [p._data for p in params], grads, [s["exp_avg"]._data for s in states],
            [s["exp_avg_sq"]._data for s in states],
            [s["max_exp_avg_sq"]._data for s in states] if amsgrad else [], [s["step"]._data for s in states],
            amsgrad=amsgrad, beta1=beta1, beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
            eps=group["eps"], maximize=group["maximize"], decoupled_weight_decay=group["decoupled_weight_decay"],
        )


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay before the Adam step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, **implementation_options):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, **implementation_options)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


def adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, amsgrad, beta1, beta2, lr,
                weight_decay, eps, maximize, decoupled_weight_decay=False):
    """In-place Adam/AdamW on NumPy arrays; steps are 0-d float32 arrays, incremented here.

    Contiguous float32/float64 parameters take the fused C++ step (_C.adam_step: adam_step_numpy's arithmetic in
    one pass, bit for bit); anything else adam_step_numpy.
    """
    for i, param in enumerate(params):
        steps[i] += 1
        vmax = max_exp_avg_sqs[i] if amsgrad else None
        args = (param, grads[i], exp_avgs[i], exp_avg_sqs[i], vmax, lr, beta1, beta2, eps, weight_decay,
                float(steps[i]), amsgrad, maximize, decoupled_weight_decay)
        if _fused_fits(param, grads[i], exp_avgs[i], exp_avg_sqs[i], param if vmax is None else vmax):
            _C.adam_step(*args)
        else:
            adam_step_numpy(*args)


def adam_step_numpy(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step,
                    amsgrad, maximize, decoupled_weight_decay):
    """One Adam step on one parameter, in place, as torch's single-tensor Adam (the fused kernel's reference)."""
    if maximize:
        grad = -grad
    if weight_decay != 0:
        if decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        else:
            grad = grad + weight_decay * param
    lerp_(exp_avg, grad, 1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        denom = np.sqrt(max_exp_avg_sq) / bias_correction2_sqrt
    else:
        denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt
    denom += eps
    param += -step_size * exp_avg / denom


def _fused_fits(param, *others):
    """Whether the fused kernel can update `param` in place: contiguous float32/float64 arrays of one dtype/shape."""
    dtype, shape, flags = param.dtype, param.shape, param.flags
    if (dtype != np.float32 and dtype != np.float64) or not flags.c_contiguous or not flags.writeable:
        return False
    for a in others:
        if a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
            return False
    return True

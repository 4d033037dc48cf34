"""Adadelta (torch.optim.Adadelta)."""
import numpy as np

from .optimizer import Optimizer, step_state, zeros_state


class Adadelta(Optimizer):
    """Adadelta (Zeiler): v = rho * v + (1 - rho) * g^2; d = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho * u + (1 - rho) * d^2; p -= lr * d."""

    IMPLEMENTATION_OPTIONS = ("capturable", "foreach", "differentiable")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False, **implementation_options):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, **implementation_options)

    def _step_group(self, group):
        params, grads = self._params_with_grad(group)
        states = self._states(
            params, lambda p: dict(step=step_state(), square_avg=zeros_state(p), acc_delta=zeros_state(p)))
        adadelta_update(
            [p._data for p in params], grads, [s["square_avg"]._data for s in states],
            [s["acc_delta"]._data for s in states], [s["step"]._data for s in states], lr=group["lr"],
            rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"], maximize=group["maximize"],
        )


def adadelta_update(params, grads, square_avgs, acc_deltas, steps, *, lr, rho, eps, weight_decay, maximize):
    """In-place Adadelta on NumPy arrays."""
    for i, param in enumerate(params):
        square_avg, acc_delta = square_avgs[i], acc_deltas[i]
        steps[i] += 1
        grad = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param += -lr * delta

"""RMSprop, optionally centered and with momentum (torch.optim.RMSprop)."""
import numpy as np

from .optimizer import Optimizer, lerp_, step_state, zeros_state


class RMSprop(Optimizer):
    """RMSprop (Hinton): v = alpha * v + (1 - alpha) * g^2; centered: ga = lerp(ga, g, 1 - alpha), v~ = v - ga^2;
    d = sqrt(v~) + eps; with momentum b = momentum * b + g / d, p -= lr * b; else p -= lr * g / d."""

    IMPLEMENTATION_OPTIONS = ("capturable", "foreach", "differentiable")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False, **implementation_options):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, **implementation_options)

    def _step_group(self, group):
        params, grads = self._params_with_grad(group)
        momentum, centered = group["momentum"], group["centered"]
        def init(p):
            state = {"step": step_state(), "square_avg": zeros_state(p)}
            if momentum > 0:
                state["momentum_buffer"] = zeros_state(p)
            if centered:
                state["grad_avg"] = zeros_state(p)
            return state

        states = self._states(params, init)
        rmsprop_update(
            [p._data for p in params], grads, [s["square_avg"]._data for s in states],
            [s["grad_avg"]._data for s in states] if centered else [],
            [s["momentum_buffer"]._data for s in states] if momentum > 0 else [],
            [s["step"]._data for s in states], lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
            weight_decay=group["weight_decay"], momentum=momentum, centered=centered, maximize=group["maximize"],
        )


def rmsprop_update(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, *, lr, alpha, eps, weight_decay,
                   momentum, centered, maximize):
    """In-place RMSprop on NumPy arrays."""
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        square_avg = square_avgs[i]
        steps[i] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if centered:
            grad_avg = grad_avgs[i]
            lerp_(grad_avg, grad, 1 - alpha)
            avg = np.sqrt(square_avg + -1 * grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += eps
        if momentum > 0:
            buf = momentum_buffers[i]
            buf *= momentum
            buf += grad / avg
            param += -lr * buf
        else:
            param += -lr * grad / avg

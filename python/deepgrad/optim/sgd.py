"""SGD with momentum, dampening, Nesterov momentum, L2 weight decay and maximize (torch.optim.SGD)."""
from .optimizer import Optimizer
from ..tensor import Tensor


class SGD(Optimizer):
    """Stochastic gradient descent.

    g = grad (+ weight_decay * p); with momentum: b = g on the first step, else b = momentum * b + (1 - dampening) * g;
    g = g + momentum * b (Nesterov) or g = b; then p -= lr * g (p += lr * g when maximize).
    """

    IMPLEMENTATION_OPTIONS = ("foreach", "differentiable", "fused")

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False, **implementation_options):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults, **implementation_options)

    def _step_group(self, group):
        params, grads = self._params_with_grad(group)
        momentum = group["momentum"]
        bufs = []
        if momentum != 0:
            for p in params:
                buf = self.state[p].get("momentum_buffer")
                bufs.append(None if buf is None else buf._data)
        sgd_update([p._data for p in params], grads, bufs, weight_decay=group["weight_decay"], momentum=momentum,
                   lr=group["lr"], dampening=group["dampening"], nesterov=group["nesterov"],
                   maximize=group["maximize"])
        if momentum != 0:
            for p, buf in zip(params, bufs):
                state = self.state[p]
                if "momentum_buffer" not in state or state["momentum_buffer"]._data is not buf:
                    state["momentum_buffer"] = Tensor._wrap(buf)


def sgd_update(params, grads, momentum_buffers, *, weight_decay, momentum, lr, dampening, nesterov, maximize):
    """In-place SGD on NumPy arrays; None entries of momentum_buffers (used when momentum != 0) are filled in."""
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            buf = momentum_buffers[i]
            if buf is None:
                buf = momentum_buffers[i] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if nesterov else buf
        param += -lr * grad

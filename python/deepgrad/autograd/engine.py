"""The reverse-mode graph walk behind Tensor.backward and autograd.grad."""
import numpy as np

from . import anomaly
from .grad_mode import no_grad


def _topological_order(roots):
    """Functions reachable from the roots, each before every Function that produced one of its inputs."""
    order, visited = [], set()
    for root in roots:
        fn = root._ctx
        if fn is None or fn in visited:
            continue
        visited.add(fn)
        # iterative post-order DFS: (function, iterator over its inputs)
        stack = [(fn, iter(fn.inputs))]
        while stack:
            fn, inputs = stack[-1]
            for t in inputs:
                child = t._ctx
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.inputs)))
                    break
            else:
                stack.pop()
                order.append(fn)
    order.reverse()
    return order


def run_backward(roots, grads, retain_graph=False, inputs=None):
    """Propagate `grads` (NumPy arrays) from `roots` to the leaves.

    Without `inputs`, leaf gradients are accumulated into `.grad` (Tensor.backward). With `inputs`, nothing is
    accumulated and their gradients are returned in order, None where unreachable (autograd.grad).
    """
    from ..tensor import Tensor

    fn_grads = {}  # Function -> gradient of its output (Functions hash by identity)
    leaf_grads = {}  # id(leaf) -> [leaf, gradient]
    wanted = None if inputs is None else {id(t): t for t in inputs}
    results = {}

    def finish(t, g):
        """Called once per tensor with its complete gradient: hooks, then .grad or results."""
        for hook in t._hooks:
            out = hook(Tensor._wrap(g))
            if out is not None:
                g = out._data
        if wanted is not None:
            if id(t) in wanted:
                results[id(t)] = g
        elif t._ctx is None or t._retains_grad:
            if t.grad is None:
                t.grad = Tensor._wrap(g.astype(t._data.dtype, copy=True))
            else:
                t.grad = Tensor._wrap(t.grad._data + g)
        return g

    def send(t, g):
        if g.dtype != t._data.dtype:
            g = g.astype(t._data.dtype)
        fn = t._ctx
        if fn is None:
            entry = leaf_grads.get(id(t))
            if entry is None:
                leaf_grads[id(t)] = [t, g]
            else:
                entry[1] = entry[1] + g
        else:
            previous = fn_grads.get(fn)
            fn_grads[fn] = g if previous is None else previous + g

    check = anomaly.is_anomaly_enabled()
    with no_grad(), np.errstate(all="ignore"):
        for r, g in zip(roots, grads):
            send(r, g)
        for fn in _topological_order(roots):
            g = fn_grads.pop(fn, None)
            if g is None:
                if not retain_graph:
                    fn.release()
                continue
            out = fn._output() if fn._output is not None else None
            if out is not None and (out._hooks or out._retains_grad or (wanted is not None and id(out) in wanted)):
                g = finish(out, g)
            in_grads = fn._input_grads(g)
            if check:
                anomaly.check_backward(fn, in_grads)
            if not retain_graph:
                fn.release()
            for t, ig in zip(fn.inputs, in_grads):
                if ig is not None and t._requires_grad:
                    send(t, ig)
        for t, g in leaf_grads.values():
            finish(t, g)
    if inputs is None:
        return None
    return [results.get(id(t)) for t in inputs]

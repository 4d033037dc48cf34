"""The reverse-mode graph walk behind Tensor.backward and autograd.grad."""
import numpy as np

from . import anomaly
from .function import SliceGrad
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

    owned = set()  # ids of pending sums the engine allocated itself: safe to add into in place

    def accumulate(previous, g, dtype):
        """previous + g, where g may be a SliceGrad; in place when the engine owns `previous`. Only ndarrays are
        owned (0-d arithmetic gives NumPy scalars, which cannot be written in place)."""
        if type(g) is SliceGrad:
            if previous is None:
                total = g.dense(dtype)
            else:
                total = previous if id(previous) in owned else np.array(previous, dtype=dtype)
                total[g.index] += g.values
            owned.add(id(total))
            return total
        if g.dtype != dtype:
            g = g.astype(dtype)
        if previous is None:
            return g  # not owned: a backward may have handed the same array to other inputs
        if id(previous) in owned:
            previous += g
            return previous
        total = previous + g
        if type(total) is np.ndarray:
            owned.add(id(total))
        return total

    def send(t, g):
        fn = t._ctx
        if fn is None:
            entry = leaf_grads.get(id(t))
            if entry is None:
                leaf_grads[id(t)] = [t, accumulate(None, g, t._data.dtype)]
            else:
                entry[1] = accumulate(entry[1], g, t._data.dtype)
        else:
            fn_grads[fn] = accumulate(fn_grads.get(fn), g, t._data.dtype)

    check = anomaly.is_anomaly_enabled()
    with no_grad(), np.errstate(all="ignore"):
        for r, g in zip(roots, grads):
            send(r, g)
        for fn in _topological_order(roots):
            g = fn_grads.pop(fn, None)
            owned.discard(id(g))  # handed to a backward, which may keep or alias it
            if g is None:
                if not retain_graph:
                    fn.release()
                continue
            out = fn._output() if fn._output is not None else None
            if out is not None and (out._hooks or out._retains_grad or (wanted is not None and id(out) in wanted)):
                g = finish(out, g)
            in_grads = fn._input_grads(g)
            if check:
                anomaly.check_backward(fn, [ig.values if type(ig) is SliceGrad else ig for ig in in_grads])
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

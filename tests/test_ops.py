"""Every op in the table: forward vs NumPy in float32/float64, gradcheck in float64; the table covers every op."""
import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd.function import Function

from op_table import CASES


def _inputs(case, dtype, rng):
    arrays = []
    for shape in case.shapes:
        if case.positive:
            x = rng.uniform(0.5, 2.0, size=shape)
        else:
            x = rng.standard_normal(size=shape)
            for p in case.away_from:  # keep points of non-differentiability out of the finite differences
                close = np.abs(x - p) < 0.05
                x[close] += 0.1
        arrays.append(x.astype(dtype))
    return arrays


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_numpy(case, dtype):
    arrays = _inputs(case, dtype, np.random.default_rng(1))
    out = case.fn(*[dg.tensor(a) for a in arrays])
    expected = case.ref(*[a.astype(np.float64) for a in arrays])
    assert tuple(out.shape) == np.shape(expected)
    assert out.dtype == (case.out_dtype or dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.numpy(), expected, rtol=tol * 10, atol=tol)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gradcheck(case):
    arrays = _inputs(case, np.float64, np.random.default_rng(2))
    tensors = [dg.tensor(a, requires_grad=True) for a in arrays]
    assert dg.autograd.gradcheck(case.fn, tensors, eps=1e-6, atol=1e-6, rtol=1e-4)


def _graph_ops(out):
    seen, stack, names = set(), [out._ctx], set()
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        names.add(type(fn).__name__)
        stack.extend(t._ctx for t in fn.inputs)
    return names


def _all_functions():
    import deepgrad.ops as ops_pkg
    import importlib
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(ops_pkg.__path__):
        module = importlib.import_module(f"deepgrad.ops.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Function) and obj is not Function and obj.__module__ == module.__name__:
                found[name] = module.__name__
    return found


def test_every_op_has_a_case():
    covered = set()
    for case in CASES:
        for dtype in (np.float32, np.float64):
            arrays = _inputs(case, dtype, np.random.default_rng(3))
            covered |= _graph_ops(case.fn(*[dg.tensor(a, requires_grad=True) for a in arrays]))
    missing = {n: m for n, m in _all_functions().items() if n not in covered}
    assert not missing, f"ops without a case in tests/op_table.py: {missing}"

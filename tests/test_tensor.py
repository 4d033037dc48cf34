"""Tensor creation, dtypes, conversion, in-place updates and error messages for bad input."""
import numpy as np
import pytest

import deepgrad as dg


def test_creation_functions_shapes_and_dtypes():
    assert dg.zeros(2, 3).shape == (2, 3) and dg.zeros(2, 3).dtype == dg.float32
    assert dg.ones((2, 3)).shape == (2, 3)
    assert dg.full((2,), 7).dtype == dg.int64
    assert dg.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    assert dg.arange(5).dtype == dg.int64 and dg.arange(0, 1, 0.25).numpy().tolist() == [0, 0.25, 0.5, 0.75]
    np.testing.assert_array_equal(dg.eye(3).numpy(), np.eye(3))
    assert dg.rand(4, 2).shape == (4, 2) and dg.randn(3, dtype=dg.float64).dtype == dg.float64
    x = dg.randn(2, 3)
    assert dg.zeros_like(x).shape == x.shape and dg.ones_like(x, dtype=dg.float64).dtype == dg.float64
    assert dg.randint(0, 10, (5,)).dtype == dg.int64
    assert sorted(dg.randperm(6).tolist()) == list(range(6))


def test_tensor_infers_torch_dtypes():
    assert dg.tensor([1.0, 2.0]).dtype == dg.float32
    assert dg.tensor([1, 2]).dtype == dg.int64
    assert dg.tensor([True, False]).dtype == dg.bool
    assert dg.tensor(np.zeros(2)).dtype == dg.float64  # NumPy arrays keep their dtype
    assert dg.tensor([1, 2], dtype=dg.float64).dtype == dg.float64


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3, dtype=np.float32)
    t = dg.from_numpy(a)
    c = dg.tensor(a)
    a[0] = 5
    assert t[0].item() == 5 and c[0].item() == 0


def test_scalar_promotion_follows_torch():
    x = dg.ones(2)
    assert (x * 2.5).dtype == dg.float32
    assert (dg.tensor([1, 2]) * 2.5).dtype == dg.float32
    assert (dg.tensor([1, 2]) * 2).dtype == dg.int64
    assert (dg.tensor([1, 2]) / 2).dtype == dg.float32
    assert (x + dg.ones(2, dtype=dg.float64)).dtype == dg.float64


def test_item_size_ndim_and_conversion():
    x = dg.tensor([[1.0, 2.0, 3.0]])
    assert x.size() == (1, 3) and x.size(1) == 3 and x.ndim == 2 and x.numel() == 3
    assert x.sum().item() == 6.0 and isinstance(x.sum().item(), float)
    with pytest.raises(RuntimeError, match="3 elements"):
        x.item()
    assert x.tolist() == [[1.0, 2.0, 3.0]]
    with pytest.raises(RuntimeError, match="requires grad"):
        dg.ones(2, requires_grad=True).numpy()


def test_matmul_shape_mismatch_names_shapes():
    with pytest.raises(RuntimeError, match=r"\(3, 4\) and \(5, 6\).*4.*5"):
        dg.ones(3, 4) @ dg.ones(5, 6)
    with pytest.raises(RuntimeError, match="batch dimensions"):
        dg.ones(2, 3, 4) @ dg.ones(3, 4, 5)


def test_matmul_dtype_mismatch_is_an_error():
    with pytest.raises(RuntimeError, match="same dtype.*float32.*float64"):
        dg.ones(2, 2) @ dg.ones(2, 2, dtype=dg.float64)


def test_broadcast_mismatch_names_shapes():
    with pytest.raises(RuntimeError, match=r"add: shapes \(3, 4\) and \(5,\).*dimension 1"):
        dg.ones(3, 4) + dg.ones(5)
    with pytest.raises(RuntimeError, match=r"\(2, 3\)"):
        dg.ones(2, 3) * dg.ones(3, 2)


def test_reshape_and_cat_errors_name_shapes():
    with pytest.raises(RuntimeError, match=r"shape \(4, 4\) is invalid for input of size 6"):
        dg.ones(2, 3).reshape(4, 4)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(3, 3\)"):
        dg.cat([dg.ones(2, 3), dg.ones(3, 3)], dim=1)
    with pytest.raises(IndexError, match="out of range"):
        dg.ones(2, 3).sum(dim=2)


def test_split_stack_and_where():
    x = dg.arange(10).reshape(2, 5)
    parts = x.split(2, dim=1)
    assert [tuple(p.shape) for p in parts] == [(2, 2), (2, 2), (2, 1)]
    assert dg.stack([x, x], dim=1).shape == (2, 2, 5)
    np.testing.assert_array_equal(dg.where(x > 4, x, 0).numpy(), np.where(x.numpy() > 4, x.numpy(), 0))


def test_max_with_dim_returns_values_and_indices():
    x = dg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert x.argmax().item() == 3 and x.argmax(dim=0).tolist() == [1, 0, 1]


def test_max_ties_share_the_gradient_like_torch():
    x = dg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 0.5])


def test_setitem_and_inplace_without_grad():
    x = dg.zeros(3, 3)
    x[1] = 2.0
    x[:, 0] = dg.tensor([1.0, 1.0, 1.0])
    x.mul_(2).add_(1)
    assert x.numpy()[1, 1] == 5.0 and x.numpy()[0, 0] == 3.0


def test_comparisons_and_bool_indexing():
    x = dg.tensor([1.0, -2.0, 3.0])
    assert (x > 0).dtype == dg.bool
    assert x[x > 0].tolist() == [1.0, 3.0]
    assert ((x > 0) & (x < 2)).tolist() == [True, False, False]
    assert (x == 3.0).any().item()

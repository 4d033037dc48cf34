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


# ---- PyTorch parity (expected values are PyTorch's documented behaviour, computed here with NumPy) ----


def test_tensor_infers_numpy_scalar_dtypes_and_promotes_list_elements():
    assert dg.tensor(np.float64(2.0)).dtype == dg.float64
    assert dg.tensor(np.int32(2)).dtype == dg.int32
    assert dg.tensor([np.int32(1), np.int32(2)]).dtype == dg.int32
    assert dg.tensor([np.int32(1), 2]).dtype == dg.int64
    assert dg.tensor([1, np.float64(2.0)]).dtype == dg.float64
    assert dg.tensor([1.5, 2.0]).dtype == dg.float32 and dg.tensor([True, 2]).dtype == dg.int64
    assert dg.tensor([]).dtype == dg.float32


def test_randint_high_size_form_and_arange_of_tensor():
    assert dg.randint(5, (3, 2)).shape == (3, 2)
    t = dg.arange(dg.tensor(3))
    assert t.dtype == dg.int64 and t.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((np.float32, 1), (np.float64, 0), np.float32),  # float32 tensor + float64 0-d tensor
        ((np.int32, 1), (np.int64, 0), np.int32),
        ((np.uint8, 1), (np.int64, 0), np.uint8),
        ((np.int32, 1), (np.float64, 0), np.float64),  # a 0-d tensor of a higher category wins
        ((np.bool_, 1), (np.int32, 0), np.int32),
        ((np.float32, 0), (np.float64, 0), np.float64),  # two 0-d tensors: ordinary promotion
    ],
)
def test_zero_dim_tensors_only_raise_the_category(a, b, expected):
    x = dg.tensor(np.ones((2,) * a[1], dtype=a[0]))
    y = dg.tensor(np.ones((2,) * b[1], dtype=b[0]))
    assert (x + y).dtype == expected and (y * x).dtype == expected


def test_python_scalars_promotion():
    i32 = dg.tensor([3, -4, 5], dtype=dg.int32)
    assert (i32 + 2.5).dtype == dg.float32 and (i32 * 2).dtype == dg.int32
    assert (i32 ** 2.0).dtype == dg.float32 and (i32 / 2).dtype == dg.float32
    assert (dg.tensor([True, False]) + 1).dtype == dg.int64
    u8 = dg.tensor([3, 4, 5], dtype=dg.uint8)
    assert (u8 + -3).tolist() == [0, 1, 2]  # wraps around like PyTorch instead of raising
    np.testing.assert_allclose((u8 / -3).numpy(), np.array([3, 4, 5]) / -3, rtol=1e-6)
    assert dg.where(dg.tensor([True, False]), 1, 0).dtype == dg.int64
    assert dg.where(dg.tensor([True, False]), 1.0, 0).dtype == dg.float32


def test_integer_ops_dtypes():
    x = dg.tensor([3, 1, 4], dtype=dg.int32)
    assert x.prod().dtype == dg.int64 and x.prod().item() == 12
    assert dg.tensor([3, 4], dtype=dg.uint8).sum().dtype == dg.int64
    assert x.clamp(min=0.5).dtype == dg.float32 and dg.tensor([True]).clamp(min=0).dtype == dg.int64
    assert dg.tensor([1, 2]).masked_fill(dg.tensor([True, False]), 1.5).tolist() == [1, 2]
    assert dg.tensor([1, 2]).logsumexp(0).dtype == dg.float32
    assert (dg.tensor([3, -4, 5]) ** dg.tensor([3, -4, 5])).tolist() == [27, 0, 3125]
    assert (2 ** dg.tensor([3, -1])).tolist() == [8, 0]
    with pytest.raises(RuntimeError):
        dg.tensor([True]) - dg.tensor([False])


def test_floor_divide_and_remainder_follow_promotion_and_reflect():
    a = np.array([-7.0, 7.0, 2.5])
    assert (dg.tensor([-7, 7]) // 2).tolist() == [-4, 3]
    np.testing.assert_allclose((dg.tensor(a) % 3).numpy(), np.remainder(a, 3))
    np.testing.assert_allclose((10 // dg.tensor(a)).numpy(), np.floor_divide(10, a).astype(np.float32))
    np.testing.assert_allclose((10 % dg.tensor(a)).numpy(), np.remainder(10, a).astype(np.float32), rtol=1e-6)
    assert (dg.tensor([1, 2], dtype=dg.int32) // 2.0).dtype == dg.float32


def test_bitwise_operators_on_integers_and_bools():
    a, b = np.array([12, 10, -3]), np.array([10, 6, 5])
    assert (dg.tensor(a) & dg.tensor(b)).tolist() == (a & b).tolist()
    assert (dg.tensor(a) | 1).tolist() == (a | 1).tolist()
    assert (3 ^ dg.tensor(a)).tolist() == (3 ^ a).tolist()
    assert (~dg.tensor(a)).tolist() == (~a).tolist()
    m = dg.tensor([True, False])
    assert (~m).tolist() == [False, True] and (True & m).tolist() == [True, False]
    with pytest.raises(TypeError):
        dg.ones(2) & dg.ones(2)


def test_sort_topk_argsort_cumsum():
    x = np.array([[3.0, 1.0, 3.0, 2.0], [0.5, 0.0, 5.0, -1.0]])
    values, indices = dg.tensor(x).sort(descending=True)
    np.testing.assert_array_equal(indices.numpy(), np.argsort(-x, axis=1, kind="stable"))
    np.testing.assert_array_equal(values.numpy(), -np.sort(-x, axis=1))
    top = dg.tensor(x).topk(2, dim=0)
    np.testing.assert_array_equal(top.values.numpy(), -np.sort(-x, axis=0)[:2])
    assert dg.tensor([3, 1, 3, 2]).argsort(descending=True).tolist() == [0, 2, 3, 1]
    np.testing.assert_allclose(dg.tensor(x).cumsum(1).numpy(), np.cumsum(x, 1))
    assert dg.tensor([True, True]).cumsum(0).dtype == dg.int64


def test_tril_triu_nonzero_unique_einsum_mv():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(dg.tensor(x).tril().numpy(), np.tril(x))
    np.testing.assert_array_equal(dg.triu(dg.tensor(x), diagonal=1).numpy(), np.triu(x, 1))
    z = np.array([[0.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(dg.tensor(z).nonzero().numpy(), np.argwhere(z))
    assert [t.tolist() for t in dg.where(dg.tensor(z) > 0)] == [[0, 1], [1, 0]]
    values, inverse, counts = dg.unique(dg.tensor([3, 1, 3]), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 3] and inverse.tolist() == [1, 0, 1] and counts.tolist() == [1, 2]
    a, b = np.ones((2, 3)), np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(dg.einsum("ij,jk->ik", dg.tensor(a), dg.tensor(b)).numpy(), a @ b)
    np.testing.assert_allclose(dg.einsum("ij", dg.tensor(a)).numpy(), a)
    np.testing.assert_allclose(dg.tensor(b).mv(dg.ones(4, dtype=dg.float64)).numpy(), b.sum(1))


def test_indexing_edge_cases():
    x = dg.arange(6).reshape(2, 3)
    assert x[[[0, 1], [1, 2]]].tolist() == [1, 5]  # a list of lists reads as a tuple of indices in PyTorch
    assert dg.arange(6)[[]].shape == (0,)
    assert x.argmax(keepdim=True).shape == (1, 1) and x.argmin(keepdim=True).tolist() == [[0]]
    assert (x == None) is False and (x != None) is True  # noqa: E711


def test_round_decimals_and_step_functions_have_zero_gradient():
    np.testing.assert_allclose(dg.tensor([1.2345, -2.567]).round(decimals=2).numpy(), [1.23, -2.57], rtol=1e-6)
    x = dg.tensor([-1.5, 0.3, 2.0], requires_grad=True)
    (x.sign() + x.floor() + x.round() + x.ceil() + x.trunc()).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_tune_allocator_respects_the_users_settings():
    import platform

    from deepgrad.parallel import tune_allocator

    assert tune_allocator({"DEEPGRAD_KEEP_MEMORY": "0"}) is False
    assert tune_allocator({"MALLOC_ARENA_MAX": "2"}) is False  # the user tunes glibc: leave it alone
    if platform.libc_ver()[0] == "glibc":
        assert tune_allocator({}) is True


def test_linear_refuses_a_0d_input_with_or_without_a_graph():
    w = dg.ones(3, 1)
    for weight in (w, w.clone().requires_grad_()):
        with pytest.raises(RuntimeError, match="linear: input has no features"):
            dg.nn.functional.linear(dg.tensor(2.0), weight)


def test_negative_p_norm_with_a_zero_entry_is_zero():
    assert dg.tensor([0.0, 1.0, 2.0]).norm(p=-1).item() == 0.0
    np.testing.assert_allclose(dg.tensor([1.0, 2.0]).norm(p=-1).item(), 1 / (1 + 0.5))

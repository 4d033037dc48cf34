"""The autograd engine: accumulation, retain_graph, no_grad, detach, hooks, autograd.grad, anomaly detection."""
import numpy as np
import pytest

import deepgrad as dg


def test_gradient_accumulates_across_backward_calls():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1, 2, 3]) + 3)


def test_shared_subexpression_sums_both_paths():
    x = dg.tensor(2.0, requires_grad=True)
    y = x * x
    z = y * y + y  # dz/dx = (2y + 1) * 2x = (8 + 1) * 4
    z.backward()
    assert x.grad.item() == pytest.approx(36.0)


def test_backward_twice_without_retain_graph_raises():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_backward_needs_gradient_for_non_scalar():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match="scalar outputs"):
        y.backward()
    y.backward(dg.tensor([1.0, 0.5]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 1.5])


def test_no_grad_and_detach_stop_recording():
    x = dg.tensor([1.0], requires_grad=True)
    with dg.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    z = x.detach() * 2
    assert not z.requires_grad

    @dg.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert dg.is_grad_enabled()


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        dg.tensor([1.0]).sum().backward()


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        dg.tensor([1, 2], requires_grad=True)


def test_non_leaf_grad_only_when_retained():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    w = x * 3
    (y * w).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 6.0])
    assert w.grad is None


def test_hook_can_replace_gradient():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], [2.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 40.0])


def test_autograd_grad_returns_without_accumulating():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = dg.tensor([3.0], requires_grad=True)
    (gx,) = dg.autograd.grad((x * x).sum(), [x])
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="not used"):
        dg.autograd.grad((x * 2).sum(), [x, y])
    gx, gy = dg.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None


def test_inplace_on_leaf_requiring_grad_raises():
    x = dg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        x.add_(1.0)
    with dg.no_grad():
        x.add_(1.0)
    assert x.item() == 2.0


def test_detect_anomaly_names_forward_op():
    x = dg.tensor([-1.0, 1.0], requires_grad=True)
    with dg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="Sqrt produced nan"):
            x.sqrt()


def test_detect_anomaly_names_backward_op():
    x = dg.tensor([0.0, 1.0], requires_grad=True)
    with dg.autograd.detect_anomaly():
        y = x.sqrt() * 0.0  # forward finite; backward gives 0 * inf = nan in Mul's... input grad of Sqrt
        with pytest.raises(RuntimeError, match="Backward' returned nan"):
            y.sum().backward()
    # outside anomaly mode the same graph runs silently
    y = x.sqrt() * 0.0
    y.sum().backward()


def test_gradient_dtype_matches_tensor():
    x = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    (x * 2.0).sum().backward()
    assert x.grad.dtype == dg.float64
    y = dg.ones(3, requires_grad=True)
    (y * dg.tensor([1, 2, 3])).sum().backward()
    assert y.grad.dtype == dg.float32


def test_manual_seed_reproduces_draws():
    dg.manual_seed(123)
    a = dg.randn(4, 5)
    b = dg.rand(3)
    dg.manual_seed(123)
    np.testing.assert_array_equal(a.numpy(), dg.randn(4, 5).numpy())
    np.testing.assert_array_equal(b.numpy(), dg.rand(3).numpy())
    g = dg.Generator().manual_seed(7)
    c = dg.randn(3, generator=g)
    np.testing.assert_array_equal(c.numpy(), dg.randn(3, generator=dg.Generator().manual_seed(7)).numpy())


class _ScaledSquare(dg.autograd.Function):
    """A user Function written exactly as in PyTorch."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * k

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * ctx.k * x * grad, None


def test_pytorch_style_custom_function():
    x = dg.tensor([1.0, -2.0, 0.5], dtype=dg.float64, requires_grad=True)
    y = _ScaledSquare.apply(x, 3.0)
    np.testing.assert_allclose(y.detach().numpy(), 3 * x.detach().numpy() ** 2)
    assert dg.autograd.gradcheck(lambda t: _ScaledSquare.apply(t, 3.0).sin(), [x])


# ---- PyTorch parity: in-place ops on tensors in the graph, subgradients at kinks ----


def test_setitem_records_into_the_graph():
    w = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = dg.zeros(2, 3)
    out[0] = w * 2
    out[1, 1:] = w[:2] ** 2
    c = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    (out * dg.tensor(c, dtype=dg.float32)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), [[2, 4, 6], [0, 1, 4]])
    # d/dw: 2 * c[0] from row 0, plus 2 * w[:2] * c[1, 1:] from row 1
    np.testing.assert_allclose(w.grad.numpy(), 2 * c[0] + np.r_[2 * np.array([1.0, 2.0]) * c[1, 1:], 0])


def test_setitem_on_a_non_leaf_masks_its_gradient():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[0] = 0.0
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]
    with pytest.raises(RuntimeError):
        x[0] = 1.0  # a leaf that requires grad still refuses in-place writes


def test_inplace_methods_on_non_leaf_tensors_are_differentiable():
    xv = np.array([1.0, -2.0, 3.0])
    x = dg.tensor(xv, requires_grad=True)
    y = x * 2
    y.mul_(3)
    y.add_(x, alpha=2)  # y = 8x
    y.clamp_(max=10.0)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), np.minimum(8 * xv, 10))
    np.testing.assert_allclose(x.grad.numpy(), np.where(8 * xv <= 10, 8.0, 0.0))
    assert not y.is_leaf


def test_clamp_with_tensor_bounds_gives_the_input_the_gradient_at_the_bound():
    x = dg.tensor([0.0, 1.0, 2.0], requires_grad=True)
    lo = dg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    x.clamp(min=lo, max=dg.tensor([1.5, 1.5, 1.5])).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0]


def test_pow_zero_to_zero_and_norm_at_zero_have_zero_gradient():
    a = dg.tensor([0.0, 0.0, 2.0], requires_grad=True)
    b = dg.tensor([0.0, 2.0, 1.0], requires_grad=True)
    (a**b).sum().backward()
    assert np.isfinite(a.grad.numpy()).all() and a.grad.tolist() == [0.0, 0.0, 1.0]
    assert b.grad.numpy()[:2].tolist() == [0.0, 0.0]
    z = dg.zeros(3, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


def test_sort_and_cumsum_gradients():
    xv = np.array([3.0, 1.0, 2.0])
    x = dg.tensor(xv, requires_grad=True)
    values, _ = x.sort()
    (values * dg.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]
    y = dg.tensor(xv, requires_grad=True)
    (y.cumsum(0) * dg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), np.cumsum([3.0, 2.0, 1.0])[::-1])


def test_slice_gradient_after_a_scalar_gradient_accumulates():
    """0-d arithmetic gives NumPy scalars as gradients; a slice's gradient added after one must still work."""
    x = dg.tensor(2.0, requires_grad=True)
    (x * 3 + x[()] * 1 + x * 2).backward()
    assert x.grad.item() == 6.0
    y = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (y * 2).sum().backward()
    z = y[:2].sum() + y[1:].sum() + (y * 1).sum()  # slices and a dense gradient into one buffer
    y.grad = None
    z.backward()
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 3.0, 2.0])


def test_anomaly_mode_checks_ops_that_record_no_graph():
    x = dg.tensor([0.0, 1.0])
    with dg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="Div produced nan"):
            x / x
        with dg.no_grad(), pytest.raises(RuntimeError, match="produced nan"):  # 0 * inf inside the kernel
            dg.nn.functional.linear(dg.tensor([[0.0]]), dg.tensor([[float("inf")], [1.0]]))

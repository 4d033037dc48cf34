"""conv2d / conv_transpose2d / pooling entry points: gradients, PyTorch's conventions, error messages."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd import gradcheck
from deepgrad.ops.conv import conv2d, conv_transpose2d
from deepgrad.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from test_kernels_conv import ref_conv2d, ref_conv_transpose2d
from test_kernels_pool import ref_avg_pool2d, ref_max_pool2d


def rand(*shape, grad=True, seed=0):
    return dg.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=grad)


def distinct(*shape, seed=0):
    """float64 values without ties (and well apart, so finite differences do not flip a max)."""
    n = int(np.prod(shape))
    return dg.tensor(np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1, requires_grad=True)


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 1, 2), ((1, 2), (2, 1), 2, 1),
                                                             (1, "same", (2, 1), 4)])
def test_conv2d_gradcheck(stride, padding, dilation, groups):
    x, w, b = rand(2, 4, 5, 6, seed=1), rand(4, 4 // groups, 3, 2, seed=2), rand(4, seed=3)
    assert gradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding, dilation, groups), (x, w, b))


@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups", [(2, 0, 1, 1, 1), (2, 1, (1, 0), 1, 2),
                                                                          ((1, 3), 1, (0, 2), 2, 1)])
def test_conv_transpose2d_gradcheck(stride, padding, output_padding, dilation, groups):
    x, w, b = rand(2, 2, 3, 3, seed=1), rand(2, 4 // groups, 3, 2, seed=2), rand(4, seed=3)
    assert gradcheck(lambda x, w, b: conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
                     (x, w, b))


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", [(2, None, 0, 1, False), (3, 2, 1, 1, True),
                                                                       ((2, 3), (1, 2), (1, 0), 2, False)])
def test_max_pool2d_gradcheck(kernel, stride, padding, dilation, ceil_mode):
    x = distinct(2, 2, 5, 6)
    assert gradcheck(lambda x: max_pool2d(x, kernel, stride, padding, dilation, ceil_mode), (x,))


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("ceil_mode", [True, False])
def test_avg_pool2d_gradcheck(count_include_pad, ceil_mode):
    x = rand(1, 2, 5, 6)
    assert gradcheck(lambda x: avg_pool2d(x, 3, 2, 1, ceil_mode, count_include_pad), (x,))
    assert gradcheck(lambda x: avg_pool2d(x, 2, 1, 1, ceil_mode, count_include_pad, divisor_override=3), (x,))


@pytest.mark.parametrize("output_size", [(2, 3), 4, (None, 2)])
def test_adaptive_avg_pool2d_gradcheck(output_size):
    assert gradcheck(lambda x: adaptive_avg_pool2d(x, output_size), (rand(1, 2, 5, 7),))


def test_conv2d_matches_numpy_and_same_padding():
    x, w, b = rand(2, 3, 7, 6, grad=False), rand(5, 3, 4, 3, grad=False, seed=1), rand(5, grad=False, seed=2)
    y = conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2))
    np.testing.assert_allclose(y.numpy(), ref_conv2d(x.numpy(), w.numpy(), b.numpy(), (2, 1), (1, 2), (1, 2), 1))
    # 'same' with an even (4) and a dilated odd (3, dil 2) kernel: the extra padding row goes at the bottom
    y = conv2d(x, w, b, padding="same", dilation=(1, 2))
    assert y.shape == (2, 5, 7, 6)
    np.testing.assert_allclose(y.numpy(), ref_conv2d(x.numpy(), w.numpy(), b.numpy(), (1, 1), (1, 2), (1, 2), 1,
                                                     out_hw=(7, 6)))
    np.testing.assert_allclose(conv2d(x, w, padding="valid").numpy(), conv2d(x, w).numpy())


def test_conv_transpose2d_matches_numpy():
    x, w, b = rand(2, 4, 3, 5, grad=False), rand(4, 3, 3, 2, grad=False, seed=1), rand(6, grad=False, seed=2)
    y = conv_transpose2d(x, w, b, stride=(2, 3), padding=1, output_padding=(1, 2), groups=2, dilation=(2, 1))
    np.testing.assert_allclose(y.numpy(), ref_conv_transpose2d(x.numpy(), w.numpy(), b.numpy(), (2, 3), (1, 1), (1, 2), 2, (2, 1)))


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 1, 2), (3, 2, 2, 1)])
def test_adjoint_identity(stride, padding, dilation, groups):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)> when the transposed output has x's size."""
    x, w = rand(2, 4, 9, 8, grad=False), rand(6, 4 // groups, 3, 3, grad=False, seed=1)
    cx = conv2d(x, w, None, stride, padding, dilation, groups)
    y = rand(*cx.shape, grad=False, seed=2)
    # output_padding recovers the rows/columns the strided conv2d dropped
    out_pad = tuple((n + 2 * padding - dilation * 2 - 1) % stride for n in x.shape[2:])
    ty = conv_transpose2d(y, w, None, stride, padding, out_pad, groups, dilation)
    assert ty.shape == x.shape
    np.testing.assert_allclose((cx * y).sum().item(), (x * ty).sum().item(), rtol=1e-10)


def test_unbatched_and_float32():
    x = rand(3, 6, 6, grad=False).to(dg.float32)
    w = rand(2, 3, 3, 3, grad=False, seed=1).to(dg.float32)
    y = conv2d(x, w, padding=1)
    assert y.shape == (2, 6, 6) and y.dtype == dg.float32
    np.testing.assert_allclose(y.numpy(), conv2d(x.unsqueeze(0), w, padding=1)[0].numpy())
    assert conv_transpose2d(y, w).shape == (3, 8, 8)
    out, idx = max_pool2d(x, 2, return_indices=True)
    assert out.shape == (3, 3, 3) and idx.shape == (3, 3, 3) and idx.dtype == dg.int64
    assert avg_pool2d(x, 2).shape == (3, 3, 3) and adaptive_avg_pool2d(x, 2).shape == (3, 2, 2)


def test_max_pool2d_values_and_indices_match_numpy():
    x = distinct(2, 3, 7, 5)
    out, idx = max_pool2d(x, (3, 2), 2, 1, ceil_mode=True, return_indices=True)
    # ceil_mode: 7 -> 4 rows; 5 -> 3 columns, since a 4th window would start in the right padding
    assert out.shape == (2, 3, 4, 3)
    ref_y, ref_i = ref_max_pool2d(x.detach().numpy(), (3, 2), (2, 2), (1, 1), (1, 1), (4, 3))
    np.testing.assert_array_equal(out.detach().numpy(), ref_y)
    np.testing.assert_array_equal(idx.numpy(), ref_i)


def test_avg_pool2d_matches_numpy():
    x = rand(2, 2, 5, 5, grad=False)
    for cip, dov in ((True, None), (False, None), (True, 2)):
        y = avg_pool2d(x, 2, 2, 1, ceil_mode=True, count_include_pad=cip, divisor_override=dov)
        assert y.shape == (2, 2, 3, 3)
        np.testing.assert_allclose(y.numpy(), ref_avg_pool2d(x.numpy(), (2, 2), (2, 2), (1, 1), (3, 3), cip, dov or 0))


@pytest.mark.parametrize("call,exc,message", [
    (lambda: conv2d(rand(2, 3, 8, 8), rand(6, 4, 3, 3)), ValueError,
     r"conv2d: input has 3 channels but weight expects 4 \(input \(2, 3, 8, 8\), weight \(6, 4, 3, 3\), groups 1\)"),
    (lambda: conv2d(rand(1, 1, 4, 4), rand(1, 1, 3, 3), dilation=2), ValueError,
     r"conv2d: kernel 5x5 \(dilated\) is larger than the padded input 4x4"),
    (lambda: conv2d(dg.zeros(1, 1, 4, 4, dtype=dg.int64), rand(1, 1, 3, 3)), TypeError, "float32 or float64"),
    (lambda: conv2d(rand(4, 4), rand(1, 1, 3, 3)), ValueError, "3-D .* or 4-D"),
    (lambda: conv2d(rand(1, 1, 4, 4), rand(1, 1, 3)), ValueError, "4-D weight"),
    (lambda: conv2d(rand(1, 1, 4, 4), rand(2, 1, 3, 3), rand(3)), ValueError, "bias has shape"),
    (lambda: conv2d(rand(1, 4, 4, 4), rand(3, 2, 3, 3), groups=2), ValueError, "groups 2"),
    (lambda: conv2d(rand(1, 1, 4, 4), rand(1, 1, 3, 3), stride=2, padding="same"), ValueError, "strided"),
    (lambda: conv2d(rand(1, 1, 4, 4), rand(1, 1, 3, 3), padding="full"), ValueError, "'valid' or 'same'"),
    (lambda: conv2d(rand(1, 1, 4, 4), rand(1, 1, 3, 3), stride=0), ValueError, "stride must be >= 1"),
    (lambda: conv2d(rand(1, 1, 4, 4), rand(1, 1, 3, 3).to(dg.float32)), TypeError, "float64 but weight is float32"),
    (lambda: conv_transpose2d(rand(1, 2, 4, 4), rand(3, 1, 3, 3)), ValueError, "input has 2 channels but weight expects 3"),
    (lambda: conv_transpose2d(rand(1, 1, 4, 4), rand(1, 1, 3, 3), stride=2, output_padding=2), ValueError,
     "output_padding must be smaller"),
    (lambda: max_pool2d(rand(1, 1, 5, 5), 3, padding=2), ValueError, "pad should be at most half"),
    (lambda: max_pool2d(rand(1, 1, 5, 5), 7), ValueError, "too small"),
    (lambda: max_pool2d(rand(5, 5), 2), ValueError, "3-D .* or 4-D"),
    (lambda: avg_pool2d(rand(1, 1, 5, 5), 2, divisor_override=0), ValueError, "divisor must be not zero"),
    (lambda: avg_pool2d(dg.zeros(1, 1, 4, 4, dtype=dg.int64), 2), TypeError, "float32 or float64"),
    (lambda: adaptive_avg_pool2d(rand(1, 1, 0, 3), 2), ValueError, "non-empty"),
    (lambda: adaptive_avg_pool2d(rand(1, 1, 4, 3), (2, 0)), ValueError, "output_size must be >= 1"),
])
def test_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call()

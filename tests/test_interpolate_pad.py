"""F.interpolate / nn.Upsample and F.pad against naive NumPy references, gradchecks and error cases."""
import math

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as F


def ref_interpolate(x, out_hw, mode, align_corners=False, scales=None):
    """Naive (N, C, H, W) resize, one output pixel at a time; scales are the user's scale factors (or None)."""
    N, C, H, W = x.shape
    y = np.zeros((N, C) + tuple(out_hw))

    def source(i, n_in, n_out, scale):
        s = n_in / n_out if scale is None else 1.0 / scale
        if mode == "nearest":
            return min(int(math.floor(i * s)), n_in - 1)
        if mode == "nearest-exact":
            return min(int(math.floor((i + 0.5) * s)), n_in - 1)
        if align_corners:
            return i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        return max((i + 0.5) * s - 0.5, 0.0)

    for p in range(out_hw[0]):
        for q in range(out_hw[1]):
            sh = source(p, H, out_hw[0], scales and scales[0])
            sw = source(q, W, out_hw[1], scales and scales[1])
            if mode.startswith("nearest"):
                y[:, :, p, q] = x[:, :, sh, sw]
                continue
            h0, w0 = min(int(sh), H - 1), min(int(sw), W - 1)
            h1, w1 = min(h0 + 1, H - 1), min(w0 + 1, W - 1)
            a, b = sh - h0, sw - w0
            y[:, :, p, q] = ((1 - a) * (1 - b) * x[:, :, h0, w0] + (1 - a) * b * x[:, :, h0, w1]
                             + a * (1 - b) * x[:, :, h1, w0] + a * b * x[:, :, h1, w1])
    return y


@pytest.fixture
def x():
    return np.random.default_rng(0).standard_normal((2, 3, 5, 6))


@pytest.mark.parametrize("mode,align", [("nearest", None), ("nearest-exact", None), ("bilinear", False),
                                        ("bilinear", True)])
@pytest.mark.parametrize("kwargs", [dict(size=(7, 13)), dict(size=(3, 4)), dict(size=1), dict(scale_factor=2),
                                    dict(scale_factor=(1.5, 0.5))])
def test_interpolate_matches_reference(x, mode, align, kwargs):
    out = F.interpolate(dg.tensor(x), mode=mode, align_corners=align, **kwargs)
    if "size" in kwargs:
        size = kwargs["size"]
        out_hw, scales = ((size, size) if isinstance(size, int) else size), None
    else:
        sf = kwargs["scale_factor"]
        scales = (sf, sf) if not isinstance(sf, tuple) else sf
        out_hw = tuple(int(math.floor(n * s)) for n, s in zip(x.shape[2:], scales))
    np.testing.assert_allclose(out.numpy(), ref_interpolate(x, out_hw, mode, bool(align), scales), atol=1e-12)


def test_interpolate_special_cases(x):
    t = dg.tensor(x)
    np.testing.assert_array_equal(F.interpolate(t, scale_factor=2).numpy(), x.repeat(2, 2).repeat(2, 3))
    up = F.interpolate(t, size=(9, 11), mode="bilinear", align_corners=True).numpy()
    np.testing.assert_allclose(up[:, :, [0, 0, -1, -1], [0, -1, 0, -1]], x[:, :, [0, 0, -1, -1], [0, -1, 0, -1]])
    ramp = np.arange(6.0)[None, None, None, :].repeat(2, 2)  # linear in w: bilinear keeps it linear
    np.testing.assert_allclose(F.interpolate(dg.tensor(ramp), size=(2, 11), mode="bilinear", align_corners=True)
                               .numpy()[0, 0, 0], np.linspace(0, 5, 11), atol=1e-12)
    np.testing.assert_allclose(F.interpolate(t, size=(5, 3), mode="area").numpy(),
                               x.reshape(2, 3, 5, 3, 2).mean(-1), atol=1e-12)
    line = dg.tensor(x[:, :, 0])  # (N, C, L) with mode 'linear'
    np.testing.assert_allclose(F.interpolate(line, size=9, mode="linear").numpy(),
                               ref_interpolate(x[:, :, :1], (1, 9), "bilinear")[:, :, 0], atol=1e-12)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("bilinear", False), ("bilinear", True)])
def test_interpolate_gradcheck(mode, align):
    x = dg.tensor(np.random.default_rng(1).standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert dg.autograd.gradcheck(lambda t: F.interpolate(t, size=(5, 3), mode=mode, align_corners=align), [x])


def test_upsample_module(x):
    m = dg.nn.Upsample(scale_factor=2, mode="bilinear")
    np.testing.assert_allclose(m(dg.tensor(x)).numpy(), ref_interpolate(x, (10, 12), "bilinear", False, (2, 2)))
    assert tuple(dg.nn.UpsamplingNearest2d(size=(4, 4))(dg.tensor(x)).shape) == (2, 3, 4, 4)
    np.testing.assert_allclose(dg.nn.UpsamplingBilinear2d(size=(7, 7))(dg.tensor(x)).numpy(),
                               ref_interpolate(x, (7, 7), "bilinear", True))
    assert m.state_dict() == {}


def test_interpolate_errors(x):
    t = dg.tensor(x)
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        F.interpolate(t)
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        F.interpolate(t, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(t, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="mode 'bilinear' expects a 4-D input"):
        F.interpolate(t[0], scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="2 spatial dimensions but size"):
        F.interpolate(t, size=(1, 2, 3))
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(t, scale_factor=2, mode="bicubic")


# ---- pad ----

_NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@pytest.mark.parametrize("mode", list(_NP_MODES))
@pytest.mark.parametrize("pad", [(1, 2), (2, 1, 3, 0), (1, 1, 1, 1)])
def test_pad_matches_numpy(x, mode, pad):
    t = dg.tensor(x[0] if len(pad) == 2 else x)  # 1-D padding: a (C, L) ... input, as PyTorch requires
    arr = t.numpy()
    widths = [(0, 0)] * (arr.ndim - len(pad) // 2) + [(pad[2 * j], pad[2 * j + 1]) for j in range(len(pad) // 2)][::-1]
    np.testing.assert_array_equal(F.pad(t, pad, mode).numpy(), np.pad(arr, widths, _NP_MODES[mode]))


def test_pad_value_and_negative(x):
    t = dg.tensor(x)
    out = F.pad(t, (1, 1), value=7.5).numpy()
    assert (out[..., 0] == 7.5).all() and (out[..., -1] == 7.5).all()
    np.testing.assert_array_equal(F.pad(t, (-1, 2, 0, -2)).numpy(),
                                  np.pad(x[:, :, :-2, 1:], [(0, 0), (0, 0), (0, 0), (0, 2)]))
    np.testing.assert_array_equal(F.pad(t, (-1, 2, 0, 0), "replicate").numpy()[..., -3:],
                                  np.repeat(x[..., -1:], 3, -1))


@pytest.mark.parametrize("mode", list(_NP_MODES))
def test_pad_gradcheck(mode):
    x = dg.tensor(np.random.default_rng(2).standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert dg.autograd.gradcheck(lambda t: F.pad(t, (2, 1, 1, 2), mode), [x])
    assert dg.autograd.gradcheck(lambda t: F.pad(t, (-1, 1, 0, -1), mode), [x])


def test_pad_errors(x):
    t = dg.tensor(x)
    with pytest.raises(ValueError, match="divisible by 2"):
        F.pad(t, (1, 2, 3))
    with pytest.raises(ValueError, match="reflect padding .* too large"):
        F.pad(t, (6, 0, 0, 0), "reflect")
    with pytest.raises(ValueError, match="expects a 2-D or 3-D input"):
        F.pad(t, (1, 1), "reflect")
    with pytest.raises(ValueError, match="doesn't take in value"):
        F.pad(t, (1, 1, 1, 1), "replicate", value=2.0)
    with pytest.raises(NotImplementedError, match="mode 'wrap'"):
        F.pad(t, (1, 1, 1, 1), "wrap")

"""nn.Conv2d, nn.ConvTranspose2d, pooling layers and Dropout2d: parameters, init, outputs, gradients, errors."""
import math

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn as nn
import deepgrad.nn.functional as F
from deepgrad.autograd import gradcheck
from test_kernels_conv import ref_conv2d
from test_kernels_pool import ref_max_pool2d


def rand(*shape, seed=0, grad=False):
    return dg.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=grad)


def test_conv2d_parameters_init_and_output():
    conv = nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2)
    assert tuple(conv.weight.shape) == (6, 2, 3, 2) and tuple(conv.bias.shape) == (6,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(2 * 3 * 2)  # kaiming_uniform_(a=sqrt(5)) and the bias rule both give 1/sqrt(fan_in)
    for p in (conv.weight, conv.bias):
        assert p.abs().max().item() <= bound
    assert conv.weight.abs().max().item() > 0.8 * bound
    x = rand(2, 4, 7, 6).float()
    expected = ref_conv2d(x.numpy().astype(np.float64), conv.weight.detach().numpy().astype(np.float64),
                          conv.bias.detach().numpy().astype(np.float64), (2, 2), (1, 1), (1, 1), 2)
    np.testing.assert_allclose(conv(x).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert conv(x[0]).shape == expected.shape[1:]  # unbatched (C, H, W)
    assert nn.Conv2d(3, 5, 1, bias=False).bias is None


def test_conv2d_padding_modes():
    x = rand(2, 3, 6, 5)
    same = nn.Conv2d(3, 4, (3, 4), padding="same", dilation=(2, 1), dtype=dg.float64)
    assert tuple(same(x).shape) == (2, 4, 6, 5)
    assert tuple(nn.Conv2d(3, 4, 3, padding="valid")(x.float()).shape) == (2, 4, 4, 3)
    for mode in ("reflect", "replicate", "circular"):
        conv = nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode=mode, dtype=dg.float64)
        expected = F.conv2d(F.pad(x, (2, 2, 1, 1), mode), conv.weight, conv.bias)
        np.testing.assert_allclose(conv(x).detach().numpy(), expected.detach().numpy(), atol=1e-12)
    # 'same' with an even kernel pads the extra column on the right, also for the non-zero modes
    conv = nn.Conv2d(3, 2, (1, 4), padding="same", padding_mode="replicate", dtype=dg.float64)
    expected = F.conv2d(F.pad(x, (1, 2, 0, 0), "replicate"), conv.weight, conv.bias)
    np.testing.assert_allclose(conv(x).detach().numpy(), expected.detach().numpy(), atol=1e-12)


def test_conv_transpose2d_parameters_and_adjoint_identity():
    down = nn.Conv2d(3, 5, 3, stride=2, padding=1, bias=False, dtype=dg.float64)
    up = nn.ConvTranspose2d(5, 3, 3, stride=2, padding=1, output_padding=1, bias=False, dtype=dg.float64)
    assert tuple(up.weight.shape) == (5, 3, 3, 3)
    up.load_state_dict({"weight": down.weight.detach().numpy()})
    x, y = rand(2, 3, 8, 8, seed=1), rand(2, 5, 4, 4, seed=2)
    assert tuple(down(x).shape) == tuple(y.shape) and tuple(up(y).shape) == tuple(x.shape)
    lhs = float((down(x) * y).sum().item())
    rhs = float((x * up(y)).sum().item())
    assert lhs == pytest.approx(rhs, rel=1e-12)
    # output_size picks output_padding; bounds as PyTorch's
    up2 = nn.ConvTranspose2d(5, 3, 3, stride=2, padding=1)
    z = rand(1, 5, 4, 4).float()
    assert tuple(up2(z, output_size=(1, 3, 8, 7)).shape) == (1, 3, 8, 7)
    with pytest.raises(ValueError, match="valid sizes range from"):
        up2(z, output_size=(9, 9))
    groups = nn.ConvTranspose2d(4, 6, 2, groups=2)
    assert tuple(groups.weight.shape) == (4, 3, 2, 2) and tuple(groups.bias.shape) == (6,)
    bound = 1 / math.sqrt(3 * 2 * 2)  # fan_in from weight.shape[1], as PyTorch
    assert groups.weight.abs().max().item() <= bound and groups.bias.abs().max().item() <= bound


@pytest.mark.parametrize("make", [
    lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=dg.float64),
    lambda: nn.Conv2d(4, 3, 2, padding="same", padding_mode="reflect", dtype=dg.float64),
    lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, dtype=dg.float64),
    lambda: nn.MaxPool2d(2),
    lambda: nn.AvgPool2d(3, stride=2, padding=1),
    lambda: nn.AdaptiveAvgPool2d((2, 3)),
], ids=["conv", "conv_same_reflect", "conv_transpose", "max_pool", "avg_pool", "adaptive_avg_pool"])
def test_layer_gradcheck(make):
    layer = make()
    # distinct, well-separated values so that no max-pool window has a tie
    x = dg.tensor(np.random.default_rng(3).permutation(2 * 4 * 5 * 5).reshape(2, 4, 5, 5) * 0.1, requires_grad=True)
    # gradcheck perturbs its inputs in place, so the layer's own parameters can be inputs
    assert gradcheck(lambda x, *params: layer(x), [x, *layer.parameters()])


def test_layer_parameter_gradients_reach_the_module():
    conv = nn.Conv2d(2, 3, 3, dtype=dg.float64)
    x = rand(2, 2, 5, 5, grad=True)
    (conv(x) ** 2).sum().backward()
    assert conv.weight.grad is not None and tuple(conv.weight.grad.shape) == (3, 2, 3, 3)
    assert conv.bias.grad is not None and x.grad is not None


def test_pooling_layers_match_functional():
    x = rand(2, 3, 7, 6).float()
    out, idx = nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)(x)
    ref, ref_idx = ref_max_pool2d(x.numpy(), (3, 3), (2, 2), (1, 1), (1, 1), tuple(out.shape[-2:]))
    np.testing.assert_allclose(out.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    np.testing.assert_allclose(nn.AvgPool2d(2)(x).numpy(), x.numpy()[:, :, :6].reshape(2, 3, 3, 2, 3, 2).mean((3, 5)),
                               rtol=1e-6)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).numpy(), x.numpy().mean((2, 3), keepdims=True), rtol=1e-6)
    assert nn.MaxPool2d(2).state_dict() == {}


def test_dropout2d_drops_whole_channels():
    layer = nn.Dropout2d(0.5)
    x = dg.ones(8, 16, 3, 4)
    y = layer(x).numpy()
    per_channel = y.reshape(8, 16, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # each channel is all zero or all 2
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.3 < (y == 0).mean() < 0.7
    layer.eval()
    assert layer(x) is x
    with pytest.warns(UserWarning, match="3D input"):
        nn.Dropout2d(0.5)(dg.ones(2, 3, 4))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout2d(x, 1.5)


def test_clear_errors():
    conv = nn.Conv2d(3, 8, 5)
    with pytest.raises(ValueError, match="input has 1 channels but weight expects 3"):
        conv(dg.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match="kernel 5x5 is larger than the padded input 4x4"):
        conv(dg.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="input has 4 channels but weight expects 3"):
        nn.ConvTranspose2d(3, 2, 3)(dg.zeros(1, 4, 5, 5))
    with pytest.raises(ValueError, match="too small"):
        nn.MaxPool2d(3)(dg.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match="in_channels .4. must be divisible by groups .3."):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="'same' is not supported for strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="expected a 3-D .unbatched. or 4-D"):
        conv(dg.zeros(8, 8))

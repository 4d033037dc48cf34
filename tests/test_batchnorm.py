"""BatchNorm1d/2d: batch statistics in training, running statistics (momentum, cumulative average) in eval,
state_dict buffers, gradients, errors. NumPy references throughout."""
import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn as nn
from deepgrad.autograd import gradcheck


def rand(*shape, seed=0, grad=False):
    return dg.tensor(np.random.default_rng(seed).standard_normal(shape) * 2 + 1, requires_grad=grad)


def normalise(x, mean, var, w, b, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + b.reshape(shape)


def test_buffers_parameters_and_state_dict():
    bn = nn.BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(3))
    np.testing.assert_array_equal(bn.bias.detach().numpy(), np.zeros(3))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(3))
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.shape == ()
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    plain = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == [] and list(plain.parameters()) == []


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm2d, (4, 3, 5, 6)), (nn.BatchNorm1d, (8, 3)),
                                       (nn.BatchNorm1d, (4, 3, 7))])
def test_train_then_eval(cls, shape):
    bn = cls(3, momentum=0.2, dtype=dg.float64)
    with dg.no_grad():
        bn.weight.copy_(dg.tensor([0.5, 1.0, 2.0], dtype=dg.float64))
        bn.bias.copy_(dg.tensor([0.0, -1.0, 3.0], dtype=dg.float64))
    w, b = bn.weight.detach().numpy(), bn.bias.detach().numpy()
    axes = (0,) + tuple(range(2, len(shape)))
    mean_ref, var_ref = np.zeros(3), np.ones(3)
    for step in range(3):
        x = rand(*shape, seed=step).numpy()
        out = bn(dg.tensor(x)).detach().numpy()
        np.testing.assert_allclose(out, normalise(x, x.mean(axes), x.var(axes), w, b), atol=1e-12)
        n = x.size // 3
        mean_ref = 0.8 * mean_ref + 0.2 * x.mean(axes)
        var_ref = 0.8 * var_ref + 0.2 * x.var(axes) * n / (n - 1)  # the unbiased variance, as PyTorch
    np.testing.assert_allclose(bn.running_mean.numpy(), mean_ref, atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), var_ref, atol=1e-12)
    assert int(bn.num_batches_tracked.item()) == 3
    bn.eval()
    x = rand(*shape, seed=9).numpy()
    np.testing.assert_allclose(bn(dg.tensor(x)).detach().numpy(), normalise(x, mean_ref, var_ref, w, b), atol=1e-12)
    assert int(bn.num_batches_tracked.item()) == 3  # eval leaves the statistics alone
    np.testing.assert_allclose(bn.running_mean.numpy(), mean_ref, atol=1e-12)


def test_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=dg.float64)
    batches = [rand(5, 2, seed=s).numpy() for s in range(4)]
    for x in batches:
        bn(dg.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in batches], 0), atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([x.var(0, ddof=1) for x in batches], 0), atol=1e-12)


def test_without_running_stats_eval_uses_the_batch():
    bn = nn.BatchNorm2d(3, track_running_stats=False, affine=False, dtype=dg.float64).eval()
    x = rand(2, 3, 4, 4).numpy()
    np.testing.assert_allclose(bn(dg.tensor(x)).numpy(),
                               normalise(x, x.mean((0, 2, 3)), x.var((0, 2, 3)), np.ones(3), np.zeros(3)), atol=1e-12)


def test_state_dict_round_trip(tmp_path):
    bn = nn.BatchNorm2d(3)
    bn(rand(4, 3, 2, 2).float())
    dg.save(bn.state_dict(), tmp_path / "bn.safetensors")
    other = nn.BatchNorm2d(3)
    other.load_state_dict(dg.load(tmp_path / "bn.safetensors"))
    for key, value in bn.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[key].numpy(), value.numpy())
    assert other.num_batches_tracked.dtype == np.int64 and int(other.num_batches_tracked.item()) == 1


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm2d, (3, 2, 2, 3)), (nn.BatchNorm1d, (5, 2)),
                                       (nn.BatchNorm1d, (2, 2, 3))])
@pytest.mark.parametrize("training", [True, False])
def test_gradcheck(cls, shape, training):
    bn = cls(2, dtype=dg.float64)
    with dg.no_grad():
        bn.weight.copy_(dg.tensor([1.5, -0.5], dtype=dg.float64))
        bn.running_mean.copy_(dg.tensor([0.3, -0.2], dtype=dg.float64))
        bn.running_var.copy_(dg.tensor([2.0, 0.5], dtype=dg.float64))
    bn.train(training)
    x = rand(*shape, grad=True)
    assert gradcheck(lambda x, w, b: bn(x), [x, bn.weight, bn.bias])


def test_errors():
    with pytest.raises(ValueError, match="input has 4 channels but the layer expects 3"):
        nn.BatchNorm2d(3)(dg.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input"):
        nn.BatchNorm2d(3)(dg.zeros(3, 5, 5))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(dg.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(dg.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(dg.zeros(1, 3))  # fine in eval mode

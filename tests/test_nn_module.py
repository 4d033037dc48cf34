"""Module: registration, traversal, modes, dtype conversion, hooks, state_dict save/load and its errors, repr,
containers, and nn.utils (gradient clipping, parameter vectors)."""
from collections import OrderedDict

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.block = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2, bias=False))
        self.scale = nn.Parameter(dg.ones(2))
        self.register_buffer("running", dg.zeros(2))
        self.register_buffer("scratch", dg.zeros(5), persistent=False)
        self.plain = 7

    def forward(self, x):
        return self.block(self.fc(x).relu()) * self.scale + self.running


NET_KEYS = ["scale", "running", "fc.weight", "fc.bias", "block.0.weight", "block.0.bias", "block.2.weight"]
NET_SHAPES = [(2,), (2,), (3, 4), (3,), (3, 3), (3,), (2, 3)]


def test_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc.weight", "fc.bias", "block.0.weight",
                                                       "block.0.bias", "block.2.weight"]
    assert len(list(net.parameters())) == 6
    assert [n for n, _ in net.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in net.named_children()] == ["fc", "block"]
    assert [n for n, _ in net.named_modules()] == ["", "fc", "block", "block.0", "block.1", "block.2"]
    assert len(list(net.modules())) == 6
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert net.plain == 7 and "plain" not in net._parameters
    assert isinstance(net.fc, nn.Linear) and net.running.shape == (2,)
    assert net.block.get_submodule("0") is net.block[0]
    assert net.get_submodule("block.2") is net.block[2]
    assert net.get_parameter("block.0.bias") is net.block[0].bias
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        net.missing


def test_shared_parameters_are_listed_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.Tanh(), a)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    tied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    tied[1].weight = tied[0].weight
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]


def test_setattr_rules_and_delattr():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        m.weight = dg.ones(3, 2)
    m.bias = None
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
    m.extra = nn.Parameter(dg.zeros(1))
    assert "extra" in dict(m.named_parameters())
    del m.extra
    assert "extra" not in dict(m.named_parameters())
    m.register_buffer("buf", dg.zeros(2))
    m.buf = dg.ones(2)  # assigning a tensor to a buffer name updates the buffer
    assert m.state_dict()["buf"].numpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="Tensor or None"):
        m.buf = 3
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", dg.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("in_features", dg.zeros(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(dg.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_train_eval_zero_grad_requires_grad_apply():
    net = Net()
    assert net.training and net.block[1].training
    assert net.eval() is net and not net.training and not net.block[1].training
    net.train()
    assert net.block[2].training
    net(dg.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "ReLU", "Linear", "Sequential", "Net"]


def test_to_double_and_float_keep_identity():
    net = Net()
    w = net.fc.weight
    net.register_buffer("steps", dg.tensor(3))  # integer buffers keep their dtype, as in PyTorch
    assert net.double() is net
    assert net.fc.weight is w and w.dtype == dg.float64 and net.running.dtype == dg.float64
    assert net.steps.dtype == dg.int64
    assert net(dg.randn(2, 4, dtype=dg.float64)).dtype == dg.float64
    net.to("cpu", dtype=dg.float32)
    assert w.dtype == dg.float32
    net.to(dg.zeros(1, dtype=dg.float64))
    assert w.dtype == dg.float64
    with pytest.raises(RuntimeError, match="cuda"):
        net.to("cuda")


def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    out = m(dg.ones(3, 2))
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(m.bias.detach().numpy() + 1, (3, 2)), rtol=1e-6)
    assert calls == [(3, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(m(dg.ones(1, 2)).detach().numpy(), dg.ones(1, 2).numpy() @ m.weight.detach().numpy().T
                               + m.bias.detach().numpy(), rtol=1e-6)


# ---- state dict ----


def test_state_dict_keys_shapes_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == NET_KEYS  # PyTorch's order: own params, own buffers, then children
    assert [tuple(v.shape) for v in sd.values()] == NET_SHAPES
    assert not any(v.requires_grad for v in sd.values())
    sd["fc.bias"]._data[0] = 42.0  # detached but sharing storage, like torch
    assert net.fc.bias.detach().numpy()[0] == 42.0
    assert net.state_dict(keep_vars=True)["fc.bias"] is net.fc.bias
    assert list(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).state_dict()) == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(net.state_dict(prefix="model.")) == ["model." + k for k in NET_KEYS]


def test_load_state_dict_round_trip_with_numpy_and_casting():
    src, dst = Net(), Net()
    dst.double()
    arrays = {k: v.numpy().astype(np.float32) * 2 + 1 for k, v in src.state_dict().items()}
    result = dst.load_state_dict(arrays)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for k, v in dst.state_dict().items():
        assert v.dtype == dg.float64  # values are cast to the parameter's dtype
        np.testing.assert_allclose(v.numpy(), arrays[k], rtol=1e-6)
    w = dst.fc.weight
    dst.load_state_dict(src.state_dict())
    assert dst.fc.weight is w  # copied in place: optimizers keep working
    np.testing.assert_allclose(w.detach().numpy(), src.fc.weight.detach().numpy(), rtol=1e-6)
    # lists load too (anything np.asarray takes)
    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": [[1.0, 2.0]], "bias": [3.0]})
    assert lin(dg.tensor([[1.0, 1.0]])).item() == 6.0


def test_load_state_dict_errors():
    m = nn.Linear(3, 4)
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict({"weight": dg.ones(3, 4), "foo": dg.ones(1)})
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Linear:")
    assert 'Missing key(s) in state_dict: "bias".' in msg
    assert 'Unexpected key(s) in state_dict: "foo".' in msg
    assert ("size mismatch for weight: copying a param with shape (3, 4) from checkpoint, "
            "the shape in current model is (4, 3).") in msg
    net = Net()
    sd = net.state_dict()
    del sd["block.0.bias"]
    sd["block.5.weight"] = dg.ones(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "block.0.bias"'):
        net.load_state_dict(sd)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["block.0.bias"] and result.unexpected_keys == ["block.5.weight"]
    sd = net.state_dict()
    sd["fc.bias"] = dg.ones(5)
    with pytest.raises(RuntimeError, match="size mismatch for fc.bias"):
        net.load_state_dict(sd, strict=False)  # shapes are checked even when not strict
    with pytest.raises(TypeError, match="dict-like"):
        net.load_state_dict([1, 2])


def test_load_state_dict_assign():
    m = nn.Linear(2, 2)
    new_w = dg.ones(2, 2, dtype=dg.float64)
    m.load_state_dict({"weight": new_w, "bias": dg.zeros(2)}, assign=True)
    assert m.weight.dtype == dg.float64 and isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert np.shares_memory(m.weight._data, new_w._data)


# ---- repr ----


def test_repr_matches_pytorch_format():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    assert repr(seq) == "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n)"
    net = nn.Sequential(OrderedDict(body=nn.Sequential(nn.Flatten(), nn.Dropout(0.2)), head=nn.Linear(2, 1, bias=False)))
    assert repr(net) == (
        "Sequential(\n"
        "  (body): Sequential(\n"
        "    (0): Flatten(start_dim=1, end_dim=-1)\n"
        "    (1): Dropout(p=0.2, inplace=False)\n"
        "  )\n"
        "  (head): Linear(in_features=2, out_features=1, bias=False)\n"
        ")"
    )
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(ml) == "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)"
    assert repr(nn.Module()) == "Module()"


# ---- containers ----


def test_sequential_container():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    x = dg.randn(4, 2)
    np.testing.assert_allclose(seq(x).detach().numpy(), c(b(a(x))).detach().numpy())
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"] and seq[1] is c
    seq.insert(1, nn.Tanh())
    assert isinstance(seq[1], nn.Tanh) and len(seq) == 4
    named = nn.Sequential(OrderedDict([("enc", a), ("act", nn.ReLU())]))
    assert named.enc is a and list(named.state_dict()) == ["enc.weight", "enc.bias"]
    with pytest.raises(IndexError):
        seq[10]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 1))
    layers.extend([nn.ReLU()])
    layers.insert(0, nn.Tanh())
    assert len(layers) == 5 and isinstance(layers[0], nn.Tanh) and isinstance(layers[-1], nn.ReLU)
    assert list(layers.state_dict()) == ["1.weight", "1.bias", "2.weight", "2.bias", "3.weight", "3.bias"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(2)])

    assert len(list(Holder().parameters())) == 4
    d = nn.ModuleDict({"enc": nn.Linear(2, 2), "act": nn.ReLU()})
    d["dec"] = nn.Linear(2, 1)
    assert list(d.keys()) == ["enc", "act", "dec"] and "enc" in d and len(d) == 3
    assert list(d.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    plist = nn.ParameterList([nn.Parameter(dg.ones(2)), dg.zeros(3)])
    assert len(plist) == 2 and isinstance(plist[1], nn.Parameter)
    assert list(plist.state_dict()) == ["0", "1"]


# ---- nn.utils ----


def _with_grads(arrays):
    params = [nn.Parameter(dg.zeros(*np.shape(a), dtype=dg.float64)) for a in arrays]
    for p, a in zip(params, arrays):
        p.grad = dg.tensor(np.array(a, dtype=np.float64))
    return params


def test_clip_grad_norm_value_and_effect():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    params = _with_grads(grads)
    expected = np.sqrt(sum((g**2).sum() for g in grads))
    total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, dg.Tensor) and total.item() == pytest.approx(expected)
    coef = 1.0 / (expected + 1e-6)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-12)
    # below the limit nothing changes
    params = _with_grads(grads)
    nn.utils.clip_grad_norm_(params, max_norm=100.0)
    np.testing.assert_allclose(params[0].grad.numpy(), grads[0])
    # other norms
    params = _with_grads(grads)
    assert nn.utils.clip_grad_norm_(params, 100.0, norm_type=1).item() == pytest.approx(
        sum(np.abs(g).sum() for g in grads))
    assert nn.utils.clip_grad_norm_(params, 100.0, norm_type="inf").item() == pytest.approx(
        max(np.abs(g).max() for g in grads))
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(_with_grads([[np.inf, 1.0]]), 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(dg.zeros(2))], 1.0).item() == 0.0


def test_clip_grad_value_and_parameter_vectors():
    params = _with_grads([[-3.0, 0.5], [[2.0]]])
    nn.utils.clip_grad_value_(params, 1.0)
    assert params[0].grad.numpy().tolist() == [-1.0, 0.5] and params[1].grad.numpy().tolist() == [[1.0]]
    m = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(m.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.detach().numpy()[:6], m.weight.detach().numpy().reshape(-1))
    nn.utils.vector_to_parameters(dg.arange(8, dtype=dg.float32), m.parameters())
    assert m.bias.detach().numpy().tolist() == [6.0, 7.0]
    assert m.weight.detach().numpy()[1].tolist() == [3.0, 4.0, 5.0]


def test_deepcopy_makes_an_independent_module():
    import copy

    net = Net()
    clone = copy.deepcopy(net)
    assert list(clone.state_dict()) == NET_KEYS and isinstance(clone.fc.weight, nn.Parameter)
    with dg.no_grad():
        clone.fc.weight.fill_(3.0)
    assert not np.any(net.fc.weight.detach().numpy() == 3.0)
    clone.load_state_dict(net.state_dict())  # the target-network pattern
    np.testing.assert_array_equal(clone.fc.weight.detach().numpy(), net.fc.weight.detach().numpy())

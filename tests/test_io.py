"""dg.save / dg.load: safetensors checkpoints, nested objects, atomic writes, clear errors."""
import os

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import deepgrad as dg
from deepgrad.nn.parameter import Parameter


def test_state_dict_round_trip_dtypes(tmp_path):
    rng = np.random.default_rng(0)
    sd = {
        "fc.weight": dg.tensor(rng.normal(size=(3, 4)).astype(np.float32)),
        "fc.bias": dg.tensor(rng.normal(size=3)),
        "bn.num_batches_tracked": dg.tensor(7),
        "ids": dg.tensor([1, -2, 3]),
        "mask": dg.tensor(np.array([True, False])),
    }
    path = tmp_path / "model.safetensors"
    dg.save(sd, path)
    out = dg.load(path)
    assert list(out) == list(sd)  # order kept
    for k, v in sd.items():
        assert isinstance(out[k], dg.Tensor) and out[k].dtype == v.dtype and out[k].shape == v.shape
        np.testing.assert_array_equal(out[k].numpy(), v.numpy())
    # a plain safetensors file: other readers see the same names and arrays
    raw = load_file(path)
    np.testing.assert_array_equal(raw["fc.weight"], sd["fc.weight"].numpy())


def test_parameters_and_requires_grad_are_saved_as_data(tmp_path):
    w = Parameter(dg.ones(2, 2))
    x = dg.ones(3, requires_grad=True) * 2
    dg.save({"w": w, "x": x, "np": np.arange(4.0)[::2]}, tmp_path / "a.safetensors")
    out = dg.load(tmp_path / "a.safetensors")
    assert not out["w"].requires_grad
    np.testing.assert_array_equal(out["x"].numpy(), [2, 2, 2])
    np.testing.assert_array_equal(out["np"].numpy(), [0.0, 2.0])


def test_nested_checkpoint_round_trip(tmp_path):
    ckpt = {
        "model": {"layers.0.weight": dg.ones(2, 3), "layers.0.bias": dg.zeros(2)},
        "optimizer": {
            "state": {0: {"step": 12, "exp_avg": dg.full((2, 3), 0.5, dtype=dg.float64)}, 1: {"step": 12}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                              "params": [0, 1], "foreach": None}],
        },
        "epoch": 3,
        "best": float("inf"),
        "name": "digits-mlp",
        "history": [0.5, 0.25],
        "layers.0": dg.arange(3),  # same joined name as nothing else, but close to model keys
    }
    dg.save(ckpt, tmp_path / "ckpt.safetensors")
    out = dg.load(tmp_path / "ckpt.safetensors")
    assert out["epoch"] == 3 and isinstance(out["epoch"], int)
    assert out["best"] == float("inf") and out["name"] == "digits-mlp" and out["history"] == [0.5, 0.25]
    state = out["optimizer"]["state"]
    assert set(state) == {0, 1} and state[0]["step"] == 12
    assert state[0]["exp_avg"].dtype == dg.float64
    np.testing.assert_array_equal(state[0]["exp_avg"].numpy(), np.full((2, 3), 0.5))
    group = out["optimizer"]["param_groups"][0]
    assert group == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, "params": [0, 1], "foreach": None}
    np.testing.assert_array_equal(out["model"]["layers.0.weight"].numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(out["layers.0"].numpy(), [0, 1, 2])


def test_colliding_paths_are_kept_apart(tmp_path):
    dg.save({"a.b": dg.zeros(1), "a": {"b": dg.ones(1)}}, tmp_path / "c.safetensors")
    out = dg.load(tmp_path / "c.safetensors")
    assert out["a.b"].item() == 0 and out["a"]["b"].item() == 1


def test_load_foreign_safetensors_file(tmp_path):
    save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3)}, str(tmp_path / "foreign.safetensors"))
    out = dg.load(tmp_path / "foreign.safetensors")
    assert list(out) == ["w"] and isinstance(out["w"], dg.Tensor)
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(6).reshape(2, 3))


def test_atomic_write_leaves_no_temp_files(tmp_path):
    path = tmp_path / "m.safetensors"
    dg.save({"w": dg.ones(3)}, path)
    dg.save({"w": dg.zeros(3)}, path)  # overwrite
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert dg.load(path)["w"].tolist() == [0, 0, 0]
    with pytest.raises(TypeError, match="cannot store a object"):
        dg.save({"w": dg.ones(3), "bad": object()}, path)
    assert os.listdir(tmp_path) == ["m.safetensors"]  # a failed save leaves the old file alone
    assert dg.load(path)["w"].tolist() == [0, 0, 0]


def test_corrupted_and_truncated_files(tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    dg.save({"w": dg.ones(100)}, path)
    raw = path.read_bytes()
    path.write_bytes(raw[:-10])
    with pytest.raises(ValueError, match="load: checkpoint.safetensors is not a valid safetensors file"):
        dg.load(path)
    path.write_bytes(b"garbage that is no checkpoint")
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        dg.load(path)
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        dg.load(tmp_path / "missing.safetensors")


def test_no_pickle(tmp_path, monkeypatch):
    import pickle

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "dumps", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "dump", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    dg.save({"w": dg.ones(2), "cfg": {"k": "v"}}, tmp_path / "p.safetensors")
    assert dg.load(tmp_path / "p.safetensors")["cfg"] == {"k": "v"}
    assert b"\x80\x04" not in (tmp_path / "p.safetensors").read_bytes()[:8]


def test_module_state_dict_round_trip(tmp_path):
    nn = dg.nn
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear not available yet")
    dg.manual_seed(0)
    a, b = nn.Linear(4, 3), nn.Linear(4, 3)
    dg.save(a.state_dict(), tmp_path / "lin.safetensors")
    b.load_state_dict(dg.load(tmp_path / "lin.safetensors"))
    np.testing.assert_array_equal(b.weight.detach().numpy(), a.weight.detach().numpy())

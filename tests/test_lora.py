"""LoRA adapters: initial identity, only adapters train, base weights unchanged, merge == unmerged, save/load;
the char-gpt-lora recipe lowers the new text's loss."""
import argparse
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.models.gpt import GPT
from deepgrad.nn import lora
from deepgrad.recipes import char_gpt_lora


def _model():
    dg.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def test_wrapping_keeps_outputs_names_and_freezes_the_base():
    model = _model()
    x = dg.randn(4, 6)
    before = model(x).detach().numpy()
    names = lora.apply_lora(model, ["2"], r=2, alpha=4)
    assert names == ["2"] and isinstance(model[2], lora.LoRALinear)
    np.testing.assert_array_equal(model(x).detach().numpy(), before)  # B starts at zero
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "2.lora_A", "2.lora_B"]
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["2.lora_A", "2.lora_B"]
    assert lora.trainable_parameters(model) == (2 * 8 + 3 * 2, 6 * 8 + 8 + 8 * 3 + 3 + 2 * 8 + 3 * 2)
    bound = 1 / math.sqrt(8)  # kaiming_uniform_(a=sqrt(5)) on (r, in_features): U(-1/sqrt(in), 1/sqrt(in))
    a = model[2].lora_A.detach().numpy()
    assert np.abs(a).max() <= bound and np.abs(a).max() > bound / 2


def test_training_changes_only_adapters_and_merge_matches():
    model = _model()
    lora.apply_lora(model, None, r=2, alpha=4)
    base = {k: v.detach().numpy().copy() for k, v in model.state_dict().items() if "lora" not in k}
    opt = dg.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    x, y = dg.randn(16, 6), dg.randn(16, 3)
    for _ in range(5):
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    for k, v in model.state_dict().items():
        if "lora" not in k:
            np.testing.assert_array_equal(v.detach().numpy(), base[k])
    assert np.abs(model[2].lora_B.detach().numpy()).max() > 0
    unmerged = model(x).detach().numpy()
    lora.merge_lora(model)
    np.testing.assert_allclose(model(x).detach().numpy(), unmerged, rtol=1e-5, atol=1e-6)
    w = model[0].weight.detach().numpy()
    np.testing.assert_allclose(w, base["0.weight"] + (model[0].lora_B @ model[0].lora_A).detach().numpy() * 2,
                               rtol=1e-6, atol=1e-6)
    lora.unmerge_lora(model)
    np.testing.assert_allclose(model[0].weight.detach().numpy(), base["0.weight"], atol=1e-6)


def test_adapters_save_and_load(tmp_path):
    model = _model()
    lora.apply_lora(model, ["0", "2"], r=3)
    with dg.no_grad():
        model[2].lora_B.normal_()
    dg.save(lora.lora_state_dict(model), str(tmp_path / "a.safetensors"))
    fresh = _model()
    lora.apply_lora(fresh, ["0", "2"], r=3)
    lora.load_lora_state_dict(fresh, dg.load(str(tmp_path / "a.safetensors")))
    x = dg.randn(2, 6)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    with pytest.raises(RuntimeError, match="missing"):
        lora.load_lora_state_dict(fresh, {})
    with pytest.raises(ValueError, match="no Linear layer matches"):
        lora.apply_lora(_model(), ["nothing"])


def test_recipe_lowers_new_text_loss_and_keeps_base(tmp_path):
    text = "abcabcabd\n" * 300  # the new style: a pattern the random base model does not know
    (tmp_path / "style.txt").write_text(text + "xyz")  # x, y, z are outside the base vocabulary
    dg.manual_seed(1)
    base = GPT(5, block_size=16, n_layer=1, n_head=2, n_embd=16)
    with dg.no_grad():  # a trained output layer is far larger than its N(0, 0.02) start, which caps the logits
        base.lm_head.weight.mul_(50.0)
    dg.save({"model": base.state_dict(), "vocab": "\nabcd", "config": base.config}, str(tmp_path / "base.safetensors"))
    parser = argparse.ArgumentParser()
    char_gpt_lora.add_arguments(parser)
    args = parser.parse_args(["--base", str(tmp_path / "base.safetensors"), "--data", str(tmp_path / "style.txt"),
                              "--steps", "40", "--batch-size", "8", "--lr", "1e-2", "--r", "4", "--warmup", "5",
                              "--out", str(tmp_path / "out"), "--no-progress"])
    lines = []
    result = char_gpt_lora.run(args, log=lines.append)
    assert result["base unchanged"] and "base weights unchanged: yes" in lines
    assert result["val loss"] < result["val loss before"] - 0.5
    assert lines[-1] == f"val loss: {result['val loss']:.4f}" and result["trainable"] < result["total"] / 2
    saved = dg.load(str(tmp_path / "out" / "lora.safetensors"))
    assert set(saved["adapters"]) == {f"h.0.{m}.{a}" for m in ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")
                                      for a in ("lora_A", "lora_B")}

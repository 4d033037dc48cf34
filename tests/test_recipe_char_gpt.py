"""char-gpt: a short run lowers the validation loss clearly; cached and uncached sampling agree; the CLI works."""
import argparse
import math
import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.models.gpt import GPT, generate
from deepgrad.recipes import char_gpt

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "irish.abc")
needs_data = pytest.mark.skipif(not os.path.exists(DATA), reason="../shared/data/irish.abc is not available")


def _args(tmp_path, data, *extra):
    parser = argparse.ArgumentParser()
    char_gpt.add_arguments(parser)
    return parser.parse_args(["--data", str(data), "--out", str(tmp_path), "--no-progress", *extra])


@pytest.fixture
def small_text(tmp_path):
    with open(DATA, encoding="utf-8") as f:
        text = f.read()[:30000]
    path = tmp_path / "songs.abc"
    path.write_text(text, encoding="utf-8")
    return path


@needs_data
def test_short_run_lowers_the_loss_and_writes_outputs(tmp_path, small_text):
    args = _args(tmp_path, small_text, "--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "32",
                 "--batch-size", "16", "--steps", "60", "--warmup", "10", "--lr", "6e-3", "--eval-interval", "60",
                 "--dropout", "0.0")
    lines = []
    result = char_gpt.run(args, log=lines.append)
    ids = np.asarray(char_gpt.CharVocab(small_text.read_text()).encode(small_text.read_text()))
    train_ids, val_ids = char_gpt.split_ids(ids, 0.1, 32)
    unigram = char_gpt._unigram_loss(train_ids, val_ids, int(ids.max()) + 1)
    assert result["val loss"] < unigram - 0.2 < math.log(int(ids.max()) + 1)
    assert lines[-1] == f"val loss: {result['val loss']:.4f}"
    assert (tmp_path / "char_gpt.safetensors").exists() and (tmp_path / "loss.png").exists()
    model, vocab = char_gpt.load_model(str(tmp_path / "char_gpt.safetensors"))
    assert abs(char_gpt.evaluate(model, val_ids, 32) - result["val loss"]) < 1e-5


def test_cached_and_uncached_generation_give_identical_tokens():
    dg.manual_seed(3)
    model = GPT(20, block_size=16, n_layer=2, n_head=2, n_embd=16)
    with dg.no_grad():  # larger weights than the init, so that the distribution is far from uniform
        for p in model.parameters():
            p.mul_(4.0)
    runs = [generate(model, [1, 2, 3], 70, temperature=0.9, top_k=8, generator=dg.Generator().manual_seed(11),
                     use_cache=cache) for cache in (True, False)]
    assert runs[0] == runs[1] and len(runs[0]) == 73  # 70 tokens cross several context restarts (block 16)
    other = generate(model, [1, 2, 3], 70, temperature=0.9, top_k=8, generator=dg.Generator().manual_seed(12))
    assert other != runs[0]


def test_cached_logits_equal_full_forward():
    dg.manual_seed(4)
    model = GPT(11, block_size=12, n_layer=2, n_head=2, n_embd=8).eval()
    ids = np.random.default_rng(0).integers(0, 11, size=(2, 9))
    with dg.no_grad():
        full = model(dg.tensor(ids)).numpy()
        caches = model.new_caches()
        parts = [model(dg.tensor(ids[:, :4]), caches).numpy(), model(dg.tensor(ids[:, 4:7]), caches, 4).numpy(),
                 model(dg.tensor(ids[:, 7:8]), caches, 7).numpy(), model(dg.tensor(ids[:, 8:]), caches, 8).numpy()]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, rtol=1e-5, atol=1e-5)


def test_generate_command_writes_text_and_attention_png(tmp_path):
    dg.manual_seed(0)
    model = GPT(5, block_size=8, n_layer=1, n_head=2, n_embd=8)
    ckpt = tmp_path / "char_gpt.safetensors"
    dg.save({"model": model.state_dict(), "vocab": "\nX:ab", "config": model.config}, str(ckpt))
    status = cli.main(["generate", "char-gpt", "--checkpoint", str(ckpt), "--prompt", "X:", "--length", "20",
                       "--top-k", "3", "--out", str(tmp_path)])
    assert status == 0
    text = (tmp_path / "generated.txt").read_text()
    assert text.startswith("X:") and len(text) == 22 and set(text) <= set("\nX:ab")
    assert (tmp_path / "attention.png").exists()

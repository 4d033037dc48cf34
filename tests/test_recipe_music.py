"""The music recipe: ABC parsing (and its errors), a short training run lowers the loss, seeded generation is
reproducible. Uses ../shared/data/irish.abc (relative to the repository), which the package itself never needs."""
import re
from pathlib import Path

import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.datasets.abc import CharVocab, parse_abc, read_abc, songs_text
from deepgrad.recipes import music

IRISH = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "irish.abc"
needs_irish = pytest.mark.skipif(not IRISH.is_file(), reason=f"{IRISH} is not present")

SONG = "X:1\nT:Test\nM:6/8\nK:D\nABc def|\n"


def test_parse_songs_headers_and_continuations():
    text = "%abc-2.1\nT:Collection\n\n" + SONG + "\nX:2\nK:G\nGAB|\n\ncde|\n"
    songs = parse_abc(text)
    assert songs == [SONG.strip(), "X:2\nK:G\nGAB|\ncde|"]
    assert parse_abc(SONG + "X:3\nK:A\nA|")[1] == "X:3\nK:A\nA|"  # songs need no blank line between them


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("  \n\n", "is empty"),
    ("ABc def|\n", "line 1: music before the first song header"),
    ("T:Only a title\n", "has no songs"),
    ("X:one\nK:D\nA|\n", "line 1: 'X:' must be followed by a reference number"),
    (SONG + "\nX:2\nT:No key\nABC|\n", "song starting at line 7 .*no 'K:'"),
])
def test_malformed_abc_gives_a_clear_error(text, message):
    with pytest.raises(ValueError, match=message):
        parse_abc(text, source="tunes.abc")


def test_read_abc_rejects_binary(tmp_path):
    path = tmp_path / "x.abc"
    path.write_bytes(b"\xff\xfe\x00X:1")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_abc(path)
    (tmp_path / "empty.abc").write_text("")
    with pytest.raises(ValueError, match="empty.abc is empty"):
        cli.main(["train", "music", "--data", str(tmp_path / "empty.abc")])


def test_vocab_round_trip():
    vocab = CharVocab("hello world")
    assert vocab.chars == " dehlorw"
    assert vocab.decode(vocab.encode("hold")) == "hold"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("z")


@needs_irish
def test_irish_file_parses():
    songs = read_abc(IRISH)
    assert len(songs) == sum(line.startswith("X:") for line in IRISH.read_text().splitlines())
    assert all(s.startswith("X:") and "\nK:" in s for s in songs)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    if not IRISH.is_file():
        pytest.skip(f"{IRISH} is not present")
    out = tmp_path_factory.mktemp("music")
    data = out / "slice.abc"
    data.write_text(songs_text(read_abc(IRISH)[:40]))
    lines = []
    result = music.run(music_args(["--data", str(data), "--small", "--steps", "50", "--hidden", "64",
                                   "--embedding-dim", "16", "--seq-length", "40", "--out", str(out)]),
                       log=lines.append)
    return out, result, lines


def music_args(argv):
    import argparse

    parser = argparse.ArgumentParser()
    music.add_arguments(parser)
    return parser.parse_args(argv + ["--no-progress"])


def test_short_run_lowers_the_loss(trained):
    out, result, lines = trained
    assert result["first loss"] > 3.5  # ~ln(vocabulary) at the start
    assert result["train loss"] < result["first loss"] - 1.0
    assert re.fullmatch(r"train loss: \d+\.\d{4}", lines[-1])
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"
    ckpt = dg.load(out / "music.safetensors")
    assert set(ckpt) == {"model", "vocab", "config"}
    assert "lstm.weight_ih_l0" in ckpt["model"]


def test_generation_is_reproducible(trained, tmp_path, capsys):
    out, _, _ = trained
    model, vocab = music.load_model(out / "music.safetensors")
    a = music.sample(model, vocab, "X", 80, temperature=1.0, seed=3)
    b = music.sample(model, vocab, "X", 80, temperature=1.0, seed=3)
    c = music.sample(model, vocab, "X", 80, temperature=1.0, seed=4)
    assert a == b and a != c
    assert len(a) == 81 and a.startswith("X") and set(a) <= set(vocab.chars)
    target = tmp_path / "song.abc"
    assert cli.main(["generate", "music", "--checkpoint", str(out / "music.safetensors"), "--length", "80",
                     "--seed", "3", "--out", str(target)]) == 0
    assert target.read_text() == a
    assert cli.main(["generate", "music", "--checkpoint", str(out / "music.safetensors"), "--temperature", "0"]) == 2
    assert "expected a positive number" in capsys.readouterr().err

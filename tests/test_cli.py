"""The `deepgrad` command line, called in-process through cli.main(argv)."""
import numpy as np

import deepgrad as dg
from deepgrad import cli, recipes


def test_recipes_lists_every_registered_name(capsys):
    assert cli.main(["recipes"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == sorted(recipes.RECIPES)
    assert all(len(line.split(None, 1)) == 2 for line in lines)  # each with a description
    assert "digits-mlp" in recipes.RECIPES


def test_every_recipe_module_has_the_interface():
    for name in recipes.names():
        module = recipes.get(name)
        assert callable(module.add_arguments) and callable(module.run), name


def test_info(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"deepgrad {dg.__version__}" in out
    assert f"numpy {np.__version__}" in out
    assert f"SIMD level: {dg._C.simd_level()}" in out
    assert f"threads: {dg.get_num_threads()}" in out
    assert f"OpenMP: {'yes' if dg._C.has_openmp() else 'no'}" in out
    assert f"CUDA build: {'yes' if dg._C.has_cuda() else 'no'}" in out


def test_unknown_recipe_lists_the_available_ones(capsys):
    assert cli.main(["train", "no-such-recipe"]) == 2
    err = capsys.readouterr().err
    assert "unknown recipe 'no-such-recipe'" in err
    for name in recipes.names():
        assert name in err


def test_generate_needs_a_recipe_with_a_generator(capsys):
    assert cli.main(["generate", "digits-mlp"]) == 2
    assert "has no generator" in capsys.readouterr().err
    assert cli.main(["generate", "no-such-recipe"]) == 2
    assert "unknown recipe" in capsys.readouterr().err


def test_usage_errors_and_help(capsys):
    assert cli.main([]) == 2
    assert "usage: deepgrad" in capsys.readouterr().err
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(cmd in out for cmd in ("train", "recipes", "info", "generate", "play"))
    assert cli.main(["train", "digits-mlp", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--epochs", "--batch-size", "--lr", "--optimizer", "--seed", "--out", "--no-progress"):
        assert option in out
    assert cli.main(["train", "digits-mlp", "--optimizer", "lbfgs"]) == 2
    assert "invalid choice" in capsys.readouterr().err

"""The `deepgrad` command: train NAME, recipes, info, generate NAME."""
import argparse
import os
import platform
import sys


def _train(args):
    from . import recipes

    try:
        recipe = recipes.get(args.name)
    except KeyError as e:
        print(f"deepgrad train: {e.args[0]}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"deepgrad train {args.name}", description=recipes.describe(args.name))
    recipe.add_arguments(parser)
    recipe.run(parser.parse_args(args.options))
    return 0


def _recipes(args):
    from . import recipes

    width = max(map(len, recipes.names()))
    for name in recipes.names():
        print(f"{name:{width}}  {recipes.describe(name)}")
    return 0


def _info(args):
    import numpy as np

    import deepgrad as dg

    print(f"deepgrad {dg.__version__}")
    print(f"python {platform.python_version()} ({platform.machine()}, {platform.system()})")
    print(f"numpy {np.__version__}")
    print(f"SIMD level: {dg._C.simd_level()}")
    print(f"OpenMP: {'yes' if dg._C.has_openmp() else 'no'}, threads: {dg.get_num_threads()}")
    print(f"CUDA build: {'yes' if dg._C.has_cuda() else 'no'}")
    return 0


def _generate(args):
    from . import recipes

    try:
        recipe = recipes.get(args.name)
    except KeyError as e:
        print(f"deepgrad generate: {e.args[0]}", file=sys.stderr)
        return 2
    if not hasattr(recipe, "generate"):
        print(f"deepgrad generate: recipe {args.name!r} has no generator", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"deepgrad generate {args.name}", description=recipes.describe(args.name))
    recipe.add_generate_arguments(parser)
    recipe.generate(parser.parse_args(args.options))
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="deepgrad", description="deepgrad: train the recipes, inspect the build.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    train = sub.add_parser("train", help="train a recipe (see `deepgrad recipes`)", add_help=False,
                           description="deepgrad train NAME [options]; `deepgrad train NAME --help` lists the options")
    train.add_argument("name", metavar="NAME")
    train.add_argument("options", nargs=argparse.REMAINDER)
    train.set_defaults(func=_train)
    sub.add_parser("recipes", help="list the recipes").set_defaults(func=_recipes)
    sub.add_parser("info", help="version, SIMD level, threads, CUDA").set_defaults(func=_info)
    gen = sub.add_parser("generate", help="sample from a trained model")
    gen.add_argument("name", metavar="NAME")
    gen.add_argument("options", nargs=argparse.REMAINDER)
    gen.set_defaults(func=_generate)
    return parser


def main(argv=None):
    """Run the command line with `argv` (default sys.argv[1:]); returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except SystemExit as e:  # argparse's --help and usage errors
        return e.code if isinstance(e.code, int) else 1
    except BrokenPipeError:  # output piped into `head`: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

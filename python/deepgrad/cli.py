"""The `deepgrad` command: train NAME, recipes, info, generate NAME, play NAME."""
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


def _recipe(command, name):
    """The recipe module called `name`, or None after telling stderr why not."""
    from . import recipes

    try:
        return recipes.get(name)
    except KeyError as e:
        print(f"deepgrad {command}: {e.args[0]}", file=sys.stderr)
        return None


def _generate(args):
    from . import recipes

    recipe = _recipe("generate", args.name)
    if recipe is None:
        return 2
    if not hasattr(recipe, "generate"):
        print(f"deepgrad generate: recipe {args.name!r} has no generator", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"deepgrad generate {args.name}", description=recipes.describe(args.name))
    recipe.add_generate_arguments(parser)
    recipe.generate(parser.parse_args(args.options))
    return 0


def _play(args):
    from . import recipes

    recipe = _recipe("play", args.name)
    if recipe is None:
        return 2
    if not hasattr(recipe, "load_policy"):
        print(f"deepgrad play: recipe {args.name!r} has no policy to play; the RL recipes have one: "
              f"{', '.join(_playable(recipes))}", file=sys.stderr)
        return 2
    checkpoint = args.checkpoint or os.path.join("runs", args.name, "checkpoint.safetensors")
    if not os.path.isfile(checkpoint):
        print(f"deepgrad play: no checkpoint at {checkpoint} (train one with `deepgrad train {args.name}`, "
              f"or give its path with --checkpoint)", file=sys.stderr)
        return 1
    from .rl import play_checkpoint

    try:
        play_checkpoint(recipe.ENV_ID, recipe.load_policy, checkpoint, args.episodes, args.seed, args.gif, args.fps)
    except (ImportError, ValueError, RuntimeError) as e:  # a missing extra, a checkpoint of another recipe
        print(f"deepgrad play: {e}", file=sys.stderr)
        return 1
    return 0


def _playable(recipes):
    names = []
    for name in recipes.names():
        try:
            if hasattr(recipes.get(name), "load_policy"):
                names.append(name)
        except ImportError:  # a recipe whose optional dependency is missing
            pass
    return names


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


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
    play = sub.add_parser("play", help="watch a trained RL policy; --gif records it",
                          description="Play the greedy (DQN, REINFORCE) or mean (SAC) policy of an RL recipe's "
                                      "checkpoint, print each episode's return and the average, and with --gif "
                                      "record every frame as an animated GIF (needs pip install \"deepgrad[render]\").")
    play.add_argument("name", metavar="NAME", help="the recipe that wrote the checkpoint (cartpole-reinforce, "
                                                   "cartpole-dqn, pendulum)")
    play.add_argument("--checkpoint", metavar="PATH",
                      help="checkpoint written by `deepgrad train NAME` (default runs/NAME/checkpoint.safetensors)")
    play.add_argument("--episodes", type=_positive(int), default=3, help="episodes to play (default 3)")
    play.add_argument("--gif", metavar="PATH", help="write the episodes' frames to this animated GIF")
    play.add_argument("--seed", type=int, default=0, help="seed of the first episode (default 0)")
    play.add_argument("--fps", type=_positive(float), default=None,
                      help="GIF frames per second (default: the environment's, 50 for CartPole, 30 for Pendulum)")
    play.set_defaults(func=_play)
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

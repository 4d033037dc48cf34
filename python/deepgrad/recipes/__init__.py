"""Recipes: `deepgrad train NAME` runs the module registered under NAME.

A recipe module has add_arguments(parser) and run(args) -> dict of final metrics; it prints its metrics last
('test accuracy: 0.9731') and writes its checkpoint and plots into --out. Modules are imported only when used, so
one recipe's optional dependencies do not affect the others (or `deepgrad recipes`).
"""
import importlib

# name -> (module, one-line description)
RECIPES = {
    "digits-mlp": ("deepgrad.recipes.digits_mlp", "MLP 64-128-64-10 on scikit-learn's 8x8 digits (test accuracy >= 0.95)"),
    "digits-cnn": ("deepgrad.recipes.digits_cnn",
                   "CNN conv24-pool-conv36-pool-dense128-dense10 on the 8x8 digits (test accuracy >= 0.97)"),
    "mnist-cnn": ("deepgrad.recipes.mnist_cnn", "the course's MNIST CNN on MNIST IDX files you have (--data DIR)"),
    "shapes-segmentation": ("deepgrad.recipes.shapes_segmentation",
                            "small U-Net segmenting generated circles, squares and triangles (mean IoU >= 0.80)"),
    "music": ("deepgrad.recipes.music", "character LSTM on ABC songs (--data FILE.abc); `deepgrad generate music` samples"),
    "adding-problem": ("deepgrad.recipes.adding_problem",
                       "RNN vs LSTM vs GRU on the adding problem (--cell, --length; LSTM/GRU test mse < 0.01 at T=100)"),
    "translate-dates": ("deepgrad.recipes.translate_dates",
                        "LSTM encoder-decoder with additive attention: human-readable dates -> ISO (exact match >= 0.95)"),
    "char-gpt": ("deepgrad.recipes.char_gpt",
                 "decoder-only transformer over the characters of a text (--data FILE; val loss < 1.6 on irish.abc); "
                 "`deepgrad generate char-gpt` samples"),
    "char-gpt-lora": ("deepgrad.recipes.char_gpt_lora",
                      "LoRA fine-tuning of a trained char-gpt on a new text (--base CHECKPOINT --data FILE)"),
    "cartpole-reinforce": ("deepgrad.recipes.cartpole_reinforce",
                           "REINFORCE, policy 4-32-2, on CartPole-v1 (average reward >= 475 in <= 1000 episodes)"),
    "cartpole-dqn": ("deepgrad.recipes.cartpole_dqn",
                     "DQN with replay and a target network on CartPole-v1 (average reward >= 475 within 50k steps)"),
    "pendulum": ("deepgrad.recipes.pendulum",
                 "SAC, a tanh-Gaussian policy, on Pendulum-v1 (average reward >= -200 within 50k steps)"),
}


def names():
    return sorted(RECIPES)


def _entry(name):
    if name not in RECIPES:
        raise KeyError(f"unknown recipe {name!r}; available recipes: {', '.join(names())}")
    return RECIPES[name]


def get(name):
    """The recipe module registered under `name`."""
    return importlib.import_module(_entry(name)[0])


def describe(name):
    return _entry(name)[1]

"""MLP: a stack of Linear layers with an activation (and optional dropout) between them."""
from .. import nn

_ACTIVATIONS = {
    "relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU", "leaky_relu": "LeakyReLU", "elu": "ELU",
    "silu": "SiLU",
}


def _activation(activation):
    if isinstance(activation, str):
        cls = getattr(nn, _ACTIVATIONS.get(activation.lower(), ""), None)
        if cls is None:
            raise ValueError(f"MLP: unknown activation {activation!r}; choose one of {', '.join(_ACTIVATIONS)}")
        return cls()
    return activation()  # a Module class or factory


class MLP(nn.Sequential):
    """in_features -> hidden_sizes[0] -> ... -> out_features, each hidden Linear followed by the activation and,
    when dropout > 0, Dropout(dropout).

    A Sequential, so its state_dict names are those of the same stack built with torch.nn.Sequential
    ('0.weight', '0.bias', '2.weight', ...) and PyTorch weights load directly.
    """

    def __init__(self, in_features, hidden_sizes, out_features, activation="relu", dropout=0.0):
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers, width = [], in_features
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), _activation(activation)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, out_features))
        super().__init__(*layers)
        self.in_features, self.out_features = in_features, out_features

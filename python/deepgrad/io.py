"""save/load: checkpoints as safetensors files (no pickle; nothing is executed on load).

A state dict (names -> Tensors) is stored as a plain safetensors file that other libraries can read. Nested
objects such as {'model': state_dict, 'optimizer': opt.state_dict(), 'epoch': 3} are stored too: every tensor leaf
becomes one safetensors entry named by its path ('model.fc.weight', 'optimizer.state.0.exp_avg'), and the shape of
the object with its non-tensor leaves (ints, floats, strings, bools, None) is kept as JSON in the file's metadata.
"""
import json
import os
import tempfile

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from .tensor import Tensor

_TREE_KEY = "deepgrad.tree"
_FORMAT = 1


def _flatten(obj, path, tensors):
    """A JSON node describing obj; tensor leaves are added to `tensors` under a name made from `path`."""
    if isinstance(obj, (Tensor, np.ndarray)):
        name = ".".join(path) or "tensor"
        base, n = name, 1
        while name in tensors:  # two paths can join to one name ({'a.b': x, 'a': {'b': y}})
            name, n = f"{base}#{n}", n + 1
        array = obj.detach()._data if isinstance(obj, Tensor) else obj
        tensors[name] = np.asarray(array, order="C")
        return {"t": name}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dictionary keys must be str or int, got {k!r} at {'.'.join(path) or 'top level'}")
        return {"d": [[k, _flatten(v, path + [str(k)], tensors)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        kind = "l" if isinstance(obj, list) else "u"
        return {kind: [_flatten(v, path + [str(i)], tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"v": obj}
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {'.'.join(path) or 'top level'} (only Tensors, NumPy arrays, "
        "dicts, lists, tuples, str, int, float, bool and None are stored; nothing is pickled)"
    )


def _unflatten(node, tensors):
    (kind, value), = node.items()
    if kind == "t":
        return Tensor._wrap(tensors[value])
    if kind == "d":
        return {k: _unflatten(v, tensors) for k, v in value}
    if kind == "l":
        return [_unflatten(v, tensors) for v in value]
    if kind == "u":
        return tuple(_unflatten(v, tensors) for v in value)
    return value


def save(obj, path):
    """Save a state dict, a tensor or a nested dict/list of them with plain values to `path` (safetensors).

    The file is written to a temporary name in the same folder and then renamed over `path`, so an interrupted
    save never leaves a half-written checkpoint.
    """
    tensors = {}
    tree = _flatten(obj, [], tensors)
    metadata = {_TREE_KEY: json.dumps({"format": _FORMAT, "tree": tree})}
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path):
    """Load what save() wrote: the same structure with Tensors for the tensor leaves.

    A safetensors file written by another library loads as a dict of names to Tensors.
    """
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise FileNotFoundError(f"load: no such file: {name}")
    try:
        tensors = load_file(name)
        with safe_open(name, framework="np") as f:
            metadata = f.metadata() or {}
    except Exception as e:  # the Rust parser raises its own error types
        raise ValueError(f"load: {os.path.basename(name)} is not a valid safetensors file: {e}") from None
    if _TREE_KEY not in metadata:
        return {k: Tensor._wrap(v) for k, v in tensors.items()}
    try:
        tree = json.loads(metadata[_TREE_KEY])["tree"]
        return _unflatten(tree, tensors)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"load: {os.path.basename(name)} has damaged deepgrad metadata: {e!r}") from None

"""deepgrad.training.EarlyStopping: patience, min_delta, modes, and restoring the best weights."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.training import EarlyStopping


class TinyModel:
    """The two methods EarlyStopping uses, over one array (so these tests need no nn module)."""

    def __init__(self, value):
        self.w = dg.tensor(np.array(value, dtype=np.float32))

    def state_dict(self):
        return {"w": self.w}

    def load_state_dict(self, state):
        self.w._data[...] = np.asarray(state["w"])


def test_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping(patience=3)
    model = TinyModel([0.0])
    decisions = [stopper.step(m, model) for m in [5.0, 4.0, 4.5, 3.9, 4.0, 4.0, 4.0]]
    assert decisions == [False, False, False, False, False, False, True]
    assert stopper.should_stop and stopper.best == 3.9 and stopper.best_epoch == 3


def test_min_delta_and_max_mode():
    stopper = EarlyStopping(patience=2, min_delta=0.1, mode="max")
    assert not stopper.step(0.50)
    assert not stopper.step(0.55)  # not more than min_delta better: a bad epoch
    assert not stopper.step(0.70)
    assert stopper.best == 0.70 and stopper.best_epoch == 2
    assert not stopper.step(0.75)
    assert stopper.step(0.79)


def test_keeps_a_copy_of_the_best_weights_and_restores_them():
    model = TinyModel([1.0, 2.0])
    stopper = EarlyStopping(patience=2)
    stopper.step(1.0, model)
    model.w._data[...] = [5.0, 6.0]  # training continues in place: the copy must not follow
    stopper.step(2.0, model)
    model.w._data[...] = [7.0, 8.0]
    assert stopper.step(3.0, model)
    stopper.restore(model)
    np.testing.assert_array_equal(model.w.numpy(), [1.0, 2.0])


def test_restore_best_false_keeps_nothing():
    model = TinyModel([1.0])
    stopper = EarlyStopping(patience=1, restore_best=False)
    stopper.step(1.0, model)
    model.w._data[...] = 9.0
    stopper.restore(model)
    assert stopper.best_state is None and model.w.item() == 9.0


def test_validation():
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="avg")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_with_a_linear_layer():
    layer = dg.nn.Linear(3, 2)
    stopper = EarlyStopping(patience=1)
    best = {k: v.detach().numpy().copy() for k, v in layer.state_dict().items()}
    stopper.step(0.5, layer)
    with dg.no_grad():
        layer.weight.fill_(0.0)
    assert stopper.step(0.7, layer)
    stopper.restore(layer)
    for k, v in layer.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), best[k])

import numpy as np
import pytest

import deepgrad as dg


@pytest.fixture(autouse=True)
def _seed():
    dg.manual_seed(0)
    np.random.seed(0)
    yield

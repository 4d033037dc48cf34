"""deepgrad.data: datasets, samplers, collation and the DataLoader."""
import collections

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data import (
    BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, SequentialSampler, Subset, TensorDataset,
    default_collate, random_split,
)


class Squares(Dataset):
    """A plain map-style data set (takes the general, per-sample path of the loader)."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i

    def __len__(self):
        return self.n


def tensor_ds(n):
    return TensorDataset(dg.arange(n).float().reshape(n, 1) * 10, dg.arange(n))


def seen_labels(loader):
    return np.concatenate([b[1].numpy() for b in loader])


@pytest.mark.parametrize("make", [tensor_ds, Squares], ids=["tensor", "plain"])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch_size", [1, 5, 7, 10, 30])
def test_every_sample_once_per_epoch(make, shuffle, batch_size):
    n = 10
    loader = DataLoader(make(n), batch_size=batch_size, shuffle=shuffle)
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == len(loader) == -(-n // batch_size)
        assert [len(b[1]) for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
        labels = seen_labels(batches)
        np.testing.assert_array_equal(np.sort(labels), np.arange(n))
        if not shuffle:
            np.testing.assert_array_equal(labels, np.arange(n))
        for x, y in batches:  # inputs stay paired with their labels
            first = x.numpy()[:, 0]
            np.testing.assert_allclose(first, y.numpy() * (10 if make is tensor_ds else 1))


@pytest.mark.parametrize("make", [tensor_ds, Squares], ids=["tensor", "plain"])
@pytest.mark.parametrize("batch_size", [3, 5])
def test_drop_last(make, batch_size):
    loader = DataLoader(make(10), batch_size=batch_size, shuffle=True, drop_last=True)
    batches = list(loader)
    assert len(batches) == len(loader) == 10 // batch_size
    assert all(len(b[1]) == batch_size for b in batches)
    labels = seen_labels(batches)
    assert len(set(labels.tolist())) == len(labels) == 10 // batch_size * batch_size


def test_shuffle_changes_between_epochs_and_is_a_permutation():
    loader = DataLoader(tensor_ds(50), batch_size=8, shuffle=True, generator=dg.Generator().manual_seed(1))
    a, b = seen_labels(loader), seen_labels(loader)
    assert not np.array_equal(a, b) and not np.array_equal(a, np.arange(50))


@pytest.mark.parametrize("make", [tensor_ds, Squares], ids=["tensor", "plain"])
def test_reproducible_with_seeded_generator(make):
    def epochs(seed):
        loader = DataLoader(make(40), batch_size=6, shuffle=True, generator=dg.Generator().manual_seed(seed))
        return [seen_labels(loader) for _ in range(3)]

    for a, b in zip(epochs(3), epochs(3)):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(epochs(3), epochs(4)))


def test_reproducible_with_manual_seed():
    loader = DataLoader(tensor_ds(40), batch_size=6, shuffle=True)
    dg.manual_seed(7)
    a = [seen_labels(loader) for _ in range(2)]
    dg.manual_seed(7)
    b = [seen_labels(loader) for _ in range(2)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_batch_types_and_values():
    x, y = next(iter(DataLoader(tensor_ds(10), batch_size=4)))
    assert isinstance(x, dg.Tensor) and x.dtype == dg.float32 and tuple(x.shape) == (4, 1)
    np.testing.assert_array_equal(x.numpy()[:, 0], [0, 10, 20, 30])
    assert y.dtype == dg.int64
    x, y = next(iter(DataLoader(Squares(5), batch_size=3)))
    np.testing.assert_array_equal(x.numpy(), [[0, 0], [1, 1], [2, 4]])
    assert x.dtype == dg.float32 and y.dtype == dg.int64


def test_collate_numbers_tuples_dicts():
    batch = [(1, 2.5, True, "a", {"v": np.ones(2), "k": 3}), (4, 5.5, False, "b", {"v": np.zeros(2), "k": 6})]
    ints, floats, bools, strings, d = default_collate(batch)
    assert ints.dtype == np.int64 and ints.tolist() == [1, 4]
    assert floats.dtype == np.float64 and floats.tolist() == [2.5, 5.5]  # Python floats collate to float64
    assert bools.dtype == np.bool_ and bools.tolist() == [True, False]
    assert strings == ["a", "b"]
    np.testing.assert_array_equal(d["v"].numpy(), [[1, 1], [0, 0]])
    assert d["k"].tolist() == [3, 6]
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    Pair = collections.namedtuple("Pair", "a b")
    p = default_collate([Pair(1, 2.0), Pair(3, 4.0)])
    assert isinstance(p, Pair) and p.a.tolist() == [1, 3]
    lists = default_collate([[1, 2], [3, 4]])
    assert isinstance(lists, list) and [t.tolist() for t in lists] == [[1, 3], [2, 4]]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([dg.zeros(2), dg.zeros(3)])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def test_custom_collate_and_batch_size_none():
    loader = DataLoader(Squares(4), batch_size=2, collate_fn=lambda b: [s[1] for s in b])
    assert list(loader) == [[0, 1], [2, 3]]
    samples = list(DataLoader(Squares(3), batch_size=None))
    assert len(samples) == 3 and isinstance(samples[2][0], dg.Tensor) and samples[2][1] == 2


def test_samplers_and_batch_sampler():
    ds = tensor_ds(10)
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, drop_last=False))
    assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader = DataLoader(ds, batch_size=5, sampler=[9, 8, 7, 6, 5, 4])
    assert [b[1].tolist() for b in loader] == [[9, 8, 7, 6, 5], [4]]
    drawn = list(RandomSampler(ds, replacement=True, num_samples=25, generator=dg.Generator().manual_seed(0)))
    assert len(drawn) == 25 and all(0 <= i < 10 for i in drawn)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, batch_size=3, batch_sampler=[[0, 1]])


def test_num_workers_runs_in_process():
    labels = seen_labels(DataLoader(tensor_ds(9), batch_size=4, num_workers=2))
    np.testing.assert_array_equal(labels, np.arange(9))


def test_tensor_dataset():
    ds = TensorDataset(dg.zeros(5, 3), dg.arange(5))
    assert len(ds) == 5
    x, y = ds[2]
    assert tuple(x.shape) == (3,) and y.item() == 2
    with pytest.raises(ValueError, match=r"size mismatch.*\(5, 3\).*\(4,\)"):
        TensorDataset(dg.zeros(5, 3), dg.arange(4))


def test_subset_and_concat():
    ds = tensor_ds(6)
    sub = Subset(ds, [4, 1])
    assert len(sub) == 2 and sub[0][1].item() == 4
    cat = ConcatDataset([ds, Subset(ds, [0, 5])])
    assert len(cat) == 8 and cat[7][1].item() == 5 and cat[-1][1].item() == 5 and cat[3][1].item() == 3


@pytest.mark.parametrize("lengths, sizes", [([3, 7], [3, 7]), ([0.5, 0.5], [5, 5]), ([0.33, 0.33, 0.34], [4, 3, 3])])
def test_random_split_sizes(lengths, sizes):
    parts = random_split(tensor_ds(10), lengths, generator=dg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == sizes
    indices = sorted(i for p in parts for i in p.indices)
    assert indices == list(range(10))


def test_random_split_reproducible_and_errors():
    a = random_split(range(20), [10, 10], generator=dg.Generator().manual_seed(5))
    b = random_split(range(20), [10, 10], generator=dg.Generator().manual_seed(5))
    assert a[0].indices == b[0].indices
    with pytest.raises(ValueError, match="does not equal"):
        random_split(range(10), [3, 4])


def test_fast_path_through_subsets_matches_per_sample_path():
    ds = tensor_ds(30)
    part = Subset(random_split(ds, [20, 10], generator=dg.Generator().manual_seed(2))[0], list(range(19, -1, -2)))
    fast = list(DataLoader(part, batch_size=4))
    slow = list(DataLoader(part, batch_size=4, collate_fn=default_collate))  # a given collate_fn: per sample
    assert len(fast) == len(slow) == 3
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())
    expected = [part[i][1].item() for i in range(len(part))]
    assert np.concatenate([b[1].numpy() for b in fast]).tolist() == expected

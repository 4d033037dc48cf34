"""Samplers as in torch.utils.data: orders of indices and their grouping into batches."""
import numpy as np

from .. import random


class Sampler:
    """Yields dataset indices; subclasses define __iter__ (and __len__ when they know it)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _indices(self):
        return np.arange(len(self.data_source))

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation each pass (or `num_samples` draws with replacement), from `generator` or the
    global generator that dg.manual_seed seeds."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer, got {self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self):
        n = len(self.data_source)
        if self.replacement:
            return random.integers(0, n, (self.num_samples,), self.generator)
        reps = -(-self.num_samples // n)
        return np.concatenate([random.permutation(n, self.generator) for _ in range(reps)])[: self.num_samples]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _indices(self):
        return np.asarray(self.indices)[random.permutation(len(self.indices), self.generator)]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of `batch_size` (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer, got {batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean, got {drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_arrays(self):
        """The batches as NumPy index arrays, drawn all at once when the sampler can give its order as an array."""
        if hasattr(self.sampler, "_indices"):
            order = np.asarray(self.sampler._indices(), dtype=np.int64)
            stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
            return (order[i:i + self.batch_size] for i in range(0, stop, self.batch_size))
        return (np.asarray(b, dtype=np.int64) for b in self)

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

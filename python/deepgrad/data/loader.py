"""DataLoader: batches of a Dataset in sequential or shuffled order, as torch.utils.data.DataLoader."""
import numpy as np

from ..tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Iterate over `dataset` in batches.

    shuffle=True draws a new permutation each epoch from `generator` (a dg.Generator) or, when it is None, from the
    global generator, so dg.manual_seed makes the epochs reproducible. Batches of a TensorDataset (with the default
    collate), or of Subsets of one, are taken with one fancy index per tensor instead of stacking samples one by one.

    num_workers > 0 is accepted for compatibility but the batches are still built in this process: the loading cost
    of in-memory tensors is a copy, smaller than the cost of sending it between processes.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 generator=None, *, prefetch_factor=None, persistent_workers=False):
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self._default_collate = collate_fn is None
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)

    def _tensor_source(self):
        """(arrays, index map) when batches can be cut straight from a TensorDataset's arrays (also through
        Subsets of one, such as random_split gives), else None."""
        if not (self._default_collate and isinstance(self.batch_sampler, BatchSampler)):
            return None
        dataset, index_map = self.dataset, None
        while type(dataset) is Subset:
            indices = np.asarray(dataset.indices, dtype=np.int64)
            index_map = indices if index_map is None else indices[index_map]
            dataset = dataset.dataset
        if not (isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__):
            return None
        if any(t.requires_grad for t in dataset.tensors):
            return None
        return [t._data for t in dataset.tensors], index_map

    def __iter__(self):
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
        elif (source := self._tensor_source()) is not None:
            arrays, index_map = source
            for idx in self.batch_sampler._index_arrays():
                idx = idx if index_map is None else index_map[idx]
                yield [Tensor._wrap(a[idx]) for a in arrays]
        else:
            for indices in self.batch_sampler:
                yield self.collate_fn([self.dataset[int(i) if isinstance(i, np.integer) else i] for i in indices])

    def __len__(self):
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

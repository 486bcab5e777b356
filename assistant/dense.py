"""The dense index: FAISS inner product over normalised vectors, so a score is a cosine similarity.

Three kinds, chosen by size unless a setting forces one (ASSISTANT_INDEX_KIND):
- "flat": exact search; the default below `ivf_threshold` (50k) chunks. At 100k a query scans 154 MB,
  5.5 ms on one core here: most of the budget of an answer (bench/scale.py).
- "ivf": an inverted file (k-means lists, `nlist` about 4 x sqrt(n)); a query scans `nprobe` lists (by
  default a sixteenth of them). The default from `ivf_threshold` up (bench/scale.py measures recall@10
  against exact search and latency at 10k, 100k and 1M).
- "hnsw": a graph index; fast queries, slow to build on two cores, kept for comparison.
Filters are applied inside FAISS with an ID selector, so a filtered search stays as fast as an open one.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

FLAT, IVF, HNSW, AUTO = "flat", "ivf", "hnsw", "auto"
KINDS = (AUTO, FLAT, IVF, HNSW)


def choose_kind(n: int, kind: str = AUTO, ivf_threshold: int = 50_000) -> str:
    if kind != AUTO:
        return kind
    return IVF if n >= ivf_threshold else FLAT


def effective_kind(n: int, kind: str = AUTO, ivf_threshold: int = 50_000) -> str:
    """The kind `Dense.build` makes for n vectors: IVF needs 1000 to train its lists, and nothing is flat."""
    kind = choose_kind(n, kind, ivf_threshold)
    if (kind == IVF and n < 1000) or n == 0:
        return FLAT
    return kind


def auto_nprobe(nlist: int) -> int:
    """Lists an IVF query scans by default: a sixteenth of them (at least 8), for recall@10 >= 0.95 on
    the synthetic corpora of bench/scale.py."""
    return max(8, nlist // 16)


class Dense:
    def __init__(self, index, nprobe: int = 0, ef_search: int = 128):
        import faiss

        self._index = index
        # 0: automatic, from the number of lists
        self.nprobe = nprobe or (auto_nprobe(index.nlist) if isinstance(index, faiss.IndexIVF) else 0)
        self.ef_search = ef_search

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        import faiss

        if isinstance(self._index, faiss.IndexIVF):
            return IVF
        if isinstance(self._index, faiss.IndexHNSW):
            return HNSW
        return FLAT

    def trained_ivf(self):
        """An empty copy of this index's trained IVF lists, to add vectors to without training again."""
        import faiss

        if not isinstance(self._index, faiss.IndexIVF):
            return None
        empty = faiss.clone_index(self._index)
        empty.reset()
        return empty

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = AUTO, ivf_threshold: int = 50_000, nprobe: int = 0,
              train_sample: int = 200_000, seed: int = 0, trained=None) -> Dense:
        """A new index over `vectors`. `trained`: an empty trained IVF (from `trained_ivf`) to reuse, so an
        incremental build does not run k-means again; it is used when its dimension matches and the corpus
        has not grown past twice the size it was trained for."""
        import os

        import faiss

        faiss.omp_set_num_threads(os.cpu_count() or 1)  # building: every core
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape if vectors.ndim == 2 else (0, 0)
        kind = effective_kind(n, kind, ivf_threshold)
        if kind == IVF:
            nlist = max(16, min(int(4 * math.sqrt(n)), n // 39))  # FAISS wants >= 39 training points a list
            if trained is not None and trained.d == dim and nlist // 2 <= trained.nlist <= nlist * 2:
                index = trained
            else:
                quantizer = faiss.IndexFlatIP(dim)
                index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
                rng = np.random.default_rng(seed)
                sample = vectors[rng.choice(n, size=min(n, max(train_sample, 40 * nlist)), replace=False)]
                index.train(sample)
            index.add(vectors)
        elif kind == HNSW:
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.add(vectors)
        else:
            index = faiss.IndexFlatIP(dim)
            if n:
                index.add(vectors)
        return cls(index, nprobe=nprobe)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, nprobe: int = 0) -> Dense:
        import faiss

        # memory-mapped, read-only: an IVF index of a million vectors opens in a fraction of a second, and the
        # page cache, not the process, holds it
        return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY), nprobe=nprobe)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, positions), optionally only where the boolean mask `allowed` is true; positions are
        -1 past the end of a small index or of the allowed set."""
        import faiss

        faiss.omp_set_num_threads(1)  # one query: a single thread is faster, and leaves the other core free
        k = max(1, min(k, self.size))
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        sel = None
        if allowed is not None:  # a bitmap: O(1) a check, cheap to make even for millions of chunks
            bits = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
            sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        kind = self.kind
        if kind == IVF:
            params = faiss.SearchParametersIVF(nprobe=self.nprobe, sel=sel)
        elif kind == HNSW:
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k), sel=sel)
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        scores, ids = self._index.search(q, k, params=params) if params is not None else self._index.search(q, k)
        if allowed is not None:
            del bits  # kept alive until the search is done
        return scores[0], ids[0]

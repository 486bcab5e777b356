"""BM25 over the same chunks as the dense index (bm25s: sparse matrices, no per-query Python loop)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG at import, which floods any handler on the root logger.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, English stop words removed, Snowball-stemmed tokens."""
    return _bm25s().tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False,
                          show_progress=False)


class Lexical:
    """A BM25 index: `scores(query)` gives one score per chunk, in chunk order."""

    def __init__(self, retriever, n_docs: int):
        self._retriever = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: Sequence[str]) -> Lexical:
        if not texts:  # bm25s cannot index nothing; an empty corpus is still a valid index
            return cls(None, 0)
        retriever = _bm25s().BM25()
        # An empty document still needs a token, or bm25s drops it and ids shift.
        retriever.index([toks or ["\u2205"] for toks in tokenize(texts)], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        if self._retriever is None:
            folder.mkdir()
            return
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, n_docs: int) -> Lexical:
        if n_docs == 0:
            return cls(None, 0)
        retriever = _bm25s().BM25.load(str(folder), show_progress=False, verbosity=0)
        got = int(retriever.scores["num_docs"])
        if got != n_docs:
            raise ValueError(f"BM25 index holds {got} documents, the chunk list {n_docs}")
        return cls(retriever, n_docs)

    def scores(self, query: str) -> np.ndarray:
        if self._retriever is None:
            return np.zeros(0, dtype=np.float32)
        tokens = [t for t in tokenize([query])[0] if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

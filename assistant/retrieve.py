"""Retrieval: dense (FAISS) and lexical (BM25) candidates fused by weighted reciprocal rank.

RRF is used rather than adding raw scores because a cosine and a BM25 score live on different scales;
ranks do not. fused(chunk) = dense_weight / (rrf_k + dense_rank) + bm25_weight / (rrf_k + bm25_rank),
a retriever that did not return the chunk among its candidates contributing nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from .chunk import Chunk
from .embed import Embedder
from .errors import QueryError
from .settings import Settings
from .store import Index

# Longer questions are cut to this before searching: the model reads 256 tokens at most anyway,
# and a pasted document should not cost a long BM25 pass.
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class Filters:
    """Restrict a search; None means any. Matching is case-insensitive; authority also matches a part
    of the name ("Camden" finds "London Borough of Camden")."""

    authority: str | None = None
    doc: str | None = None
    kind: str | None = None
    # Reports superseded by a newer version are left out unless asked for (or named by `doc`).
    include_superseded: bool = False

    def empty(self) -> bool:
        return not (self.authority or self.doc or self.kind)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    rank: int  # 1-based
    score: float  # the fused RRF score
    dense_score: float | None  # cosine similarity, when the dense retriever returned it
    bm25_score: float | None  # BM25 score, when the lexical retriever returned it
    position: int = -1  # the chunk's position in the index


def clean_query(query: str) -> str:
    """The question as searched: control and zero-width characters removed, spaces collapsed."""
    if not isinstance(query, str):
        raise QueryError("The question must be text.")
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                   for ch in query if unicodedata.category(ch) != "Cf")
    cleaned = " ".join(kept.split())
    if not cleaned:
        raise QueryError("The question is empty. Type a question about the reports, for example "
                         "\"How do young people move to adult services?\"")
    return cleaned[:MAX_QUERY_CHARS]


class Retriever:
    """Hybrid search over a loaded index.

    >>> Retriever(index, embedder, settings).search("hospital discharge", top_k=3)[0].chunk.doc
    """

    def __init__(self, index: Index, embedder: Embedder, settings: Settings,
                 previous: tuple[Retriever, Collection[str]] | None = None):
        """`previous`: the retriever of the index this one was built from, and the reports that changed."""
        self.index = index
        self.embedder = embedder
        self.settings = settings
        reports = index.manifest.reports
        if previous is None:
            self._superseded = {doc for doc, e in reports.items() if e.metadata.get("superseded_by")}
        else:
            self._superseded = set(previous[0]._superseded)
            for doc in previous[1]:
                if doc in reports and reports[doc].metadata.get("superseded_by"):
                    self._superseded.add(doc)
                else:
                    self._superseded.discard(doc)

        self._current: np.ndarray | None = None  # the mask of most questions: live and not superseded

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Which chunks the filters allow (None: all)."""
        if filters.empty() and (filters.include_superseded or not self._superseded):
            return self.index.live_mask()
        if filters.empty():  # no filter but versions: one pass over the reports per index, not per question
            if self._current is None:
                self._current = self._mask(filters)
            return self._current
        return self._mask(filters)

    def _mask(self, filters: Filters) -> np.ndarray:
        reports = self.index.manifest.reports

        def keep(doc: str) -> bool:
            md = reports[doc].metadata
            if doc in self._superseded and not filters.include_superseded and filters.doc != doc:
                return False
            if filters.doc and filters.doc.lower() != doc.lower():
                return False
            if filters.kind and (md.get("kind") or "").lower() != filters.kind.lower():
                return False
            return not (filters.authority and filters.authority.lower() not in (md.get("authority") or "").lower())

        return self.index.allowed(keep)

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None,
               query_vector: np.ndarray | None = None) -> list[Hit]:
        """The top_k chunks for a question. Pass `query_vector` when the question was already encoded
        (an answer searches several times with one encoding)."""
        q = clean_query(query)
        top_k = max(1, int(top_k))
        n = len(self.index.chunks)
        if n == 0:
            return []
        mask = self.mask(filters or Filters())
        if mask is not None and not mask.any():
            return []
        cand = max(self.settings.candidates, top_k)

        # dense: a filter is applied inside FAISS (an ID selector), so the search stays as cheap
        qvec = self.embedder.embed_query(q) if query_vector is None else query_vector
        dense = self.index.search_dense(qvec, cand, mask)

        scores = self.index.lexical.scores(q)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        kb = min(cand, n)
        top = np.argpartition(-scores, kb - 1)[:kb]
        lexical = [(int(i), float(scores[i])) for i in top[np.argsort(-scores[top], kind="stable")]
                   if scores[i] > 0]

        fused: dict[int, float] = {}
        k = self.settings.rrf_k
        for rank, (i, _) in enumerate(dense, 1):
            fused[i] = fused.get(i, 0.0) + self.settings.dense_weight / (k + rank)
        for rank, (i, _) in enumerate(lexical, 1):
            fused[i] = fused.get(i, 0.0) + self.settings.bm25_weight / (k + rank)
        dense_of = dict(dense)
        bm25_of = dict(lexical)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:top_k]
        return [Hit(self.index.chunks[i], r, fused[i], dense_of.get(i), bm25_of.get(i), i)
                for r, i in enumerate(order, 1)]

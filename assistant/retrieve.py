"""Retrieval: dense (FAISS) and lexical (BM25) candidates fused by weighted reciprocal rank.

RRF is used rather than adding raw scores because a cosine and a BM25 score live on different scales;
ranks do not. fused(chunk) = dense_weight / (rrf_k + dense_rank) + bm25_weight / (rrf_k + bm25_rank),
a retriever that did not return the chunk among its candidates contributing nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    # Any of these authorities (full names, as in the metadata): a description that fits several.
    authorities: tuple[str, ...] = ()

    def empty(self) -> bool:
        return not (self.authority or self.doc or self.kind or self.authorities)


@dataclass(frozen=True)
class Facets:
    """The reports each filter value selects (lower-cased: authority, kind, file name), so a filtered search
    looks up its reports instead of testing every one. `updated` makes the next index's from the reports
    an add touched."""

    authority: dict[str, frozenset[str]]
    kind: dict[str, frozenset[str]]
    name: dict[str, frozenset[str]]

    @classmethod
    def of(cls, reports: Mapping[str, Mapping[str, Any]]) -> Facets:
        return cls({}, {}, {}).updated({}, reports)

    def updated(self, before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]) -> Facets:
        """These facets with the reports in `before` (metadata as it was) replaced by those in `after`."""
        out = Facets(dict(self.authority), dict(self.kind), dict(self.name))
        for sign, reports in ((-1, before), (1, after)):
            for doc, md in reports.items():
                for table, key in ((out.authority, (md.get("authority") or "").lower()),
                                   (out.kind, (md.get("kind") or "").lower()), (out.name, doc.lower())):
                    docs = table.get(key, frozenset())
                    docs = docs | {doc} if sign > 0 else docs - {doc}
                    if docs:
                        table[key] = docs
                    else:
                        table.pop(key, None)
        return out


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    rank: int  # 1-based
    score: float  # the fused RRF score
    dense_score: float | None  # cosine similarity, when the dense retriever returned it
    bm25_score: float | None  # BM25 score, when the lexical retriever returned it
    position: int = -1  # the chunk's position in the index


# "whos", "whats": a contraction typed without its apostrophe (never "its", a word of its own)
_CONTRACTED = re.compile(r"\b(who|what|where|when|how|that|there)s\b", re.I)


_UNPAIRED = re.compile("[\ud800-\udfff]")


def clean_query(query: str) -> str:
    """The question as searched: control and zero-width characters removed, spaces collapsed, a contraction
    typed without its apostrophe written with it ("whos the director?")."""
    if not isinstance(query, str):
        raise QueryError("The question must be text.")
    bad = _UNPAIRED.search(query)
    if bad:  # bytes that were not UTF-8 (kept as lone surrogates by Python's decoder), or a broken \ud800 escape
        raise QueryError(f"The question holds bytes that are not valid UTF-8 text (at character {bad.start() + 1}). "
                         "Type it again, or save it as UTF-8.")
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                   for ch in query if unicodedata.category(ch) != "Cf")
    cleaned = _CONTRACTED.sub(r"\1's", " ".join(kept.split()))
    if not cleaned:
        raise QueryError("The question is empty. Type a question about the reports, for example "
                         "\"How do young people move to adult services?\"")
    return cleaned[:MAX_QUERY_CHARS]


class Retriever:
    """Hybrid search over a loaded index.

    >>> Retriever(index, embedder, settings).search("hospital discharge", top_k=3)[0].chunk.doc
    """

    def __init__(self, index: Index, embedder: Embedder, settings: Settings,
                 previous: tuple[Retriever, Mapping[str, Mapping[str, Any]], Mapping[str, Mapping[str, Any]]]
                 | None = None):
        """`previous`: the retriever of the index this one was built from, and the metadata of the reports
        that changed since, as they were (`before`) and as they are (`after`; a report gone is in neither)."""
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._facets: Facets | None = None  # made on the first filtered search, then updated from index to index
        if previous is None:
            self._superseded = {doc for doc, e in index.manifest.reports.items() if e.metadata.get("superseded_by")}
        else:
            old, before, after = previous
            self._superseded = set(old._superseded) - set(before)
            self._superseded.update(doc for doc, md in after.items() if md.get("superseded_by"))
            if old._facets is not None:
                self._facets = old._facets.updated(before, after)
        self._current: np.ndarray | None = None  # the mask of most questions: live and not superseded

    def facets(self) -> Facets:
        if self._facets is None:
            self._facets = Facets.of({d: e.metadata for d, e in self.index.manifest.reports.items()})
        return self._facets

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Which chunks the filters allow (None: all): from the reports each filter selects, never a pass
        over every report per question."""
        if filters.empty() and (filters.include_superseded or not self._superseded):
            return self.index.live_mask()
        if filters.empty():  # no filter but versions: made once per index
            if self._current is None:
                self._current = self._mask(filters)
            return self._current
        return self._mask(filters)

    def _mask(self, filters: Filters) -> np.ndarray:
        f = self.facets()
        docs: frozenset[str] | None = None  # None: every report
        if filters.doc:
            docs = f.name.get(filters.doc.lower(), frozenset())
        if filters.kind:
            of_kind = f.kind.get(filters.kind.lower(), frozenset())
            docs = of_kind if docs is None else docs & of_kind
        if filters.authority:
            part = filters.authority.lower()
            of_authority = frozenset().union(*(ds for name, ds in f.authority.items() if part in name))
            docs = of_authority if docs is None else docs & of_authority
        if filters.authorities:
            of_any = frozenset().union(*(f.authority.get(a.lower(), frozenset()) for a in filters.authorities))
            docs = of_any if docs is None else docs & of_any
        drop = frozenset() if filters.include_superseded else frozenset(self._superseded) - {filters.doc}
        if docs is not None:
            return self.index.mask_of(docs - drop)
        live = self.index.live_mask()
        every = live.copy() if live is not None else np.ones(len(self.index.chunks), bool)
        return every & ~self.index.mask_of(drop)

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

"""BM25 over the same chunks as the dense index, kept per segment and scored with corpus-wide statistics.

Each segment of the index stores its term counts as a sparse matrix (`Terms`: for every stemmed word, the
chunks holding it and how often, plus each chunk's length). `BM25` scores a query over all segments at once
with the statistics of the whole index (document count, document frequency, mean length), so a chunk scores
the same whichever segment holds it, and adding a report writes only its own segment's counts. The formula
is bm25s's "lucene" variant with its defaults (k1 1.5, b 0.75); a test checks the scores against bm25s.
Tokens come from bm25s (English stop words, Snowball stemmer); scoring is vectorised per query word, never a
Python loop over chunks. Chunks of removed reports still count in the statistics until their segment is
merged (as in Lucene); they are never returned.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

K1, B = 1.5, 0.75


@functools.lru_cache(maxsize=1)
def _bm25s():  # once: setLevel clears every logger's cache (hundreds with torch loaded), per query otherwise
    import bm25s

    # bm25s sets its own logger to DEBUG at import, which floods any handler on the root logger.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# A word written with a hyphen or without ("re-abling" / "reablement", "co-production" / "coproduction",
# "well-being" / "wellbeing"): its parts, and the word they make together
_HYPHENATED = re.compile(r"\b([A-Za-z]{2,})-([A-Za-z]{2,})\b")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, English stop words removed, Snowball-stemmed tokens; a hyphenated word also as one word."""
    texts = [_HYPHENATED.sub(r"\1-\2 \1\2", t) if "-" in t else t for t in texts]
    return _bm25s().tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


@dataclass
class Terms:
    """One segment's term counts: a compressed sparse column matrix (chunk x word)."""

    vocab: dict[str, int]  # word -> column
    indptr: np.ndarray  # (words + 1,) int64: column j is rows[indptr[j]:indptr[j+1]]
    rows: np.ndarray  # int32 chunk positions within the segment
    tf: np.ndarray  # float32 counts, aligned with rows
    doc_len: np.ndarray  # float32 tokens per chunk

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    def df(self, word: str) -> int:
        j = self.vocab.get(word)
        return 0 if j is None else int(self.indptr[j + 1] - self.indptr[j])

    @classmethod
    def from_tokens(cls, docs: Sequence[Sequence[str]]) -> Terms:
        vocab: dict[str, int] = {}
        cols: list[int] = []
        rows: list[int] = []
        tfs: list[int] = []
        for i, toks in enumerate(docs):
            for word, n in Counter(toks).items():
                cols.append(vocab.setdefault(word, len(vocab)))
                rows.append(i)
                tfs.append(n)
        return cls._from_triples(vocab, np.asarray(rows, np.int32), np.asarray(cols, np.int64),
                                 np.asarray(tfs, np.float32), np.array([len(t) for t in docs], np.float32))

    @classmethod
    def build(cls, texts: Sequence[str]) -> Terms:
        return cls.from_tokens(tokenize(texts) if texts else [])

    @classmethod
    def _from_triples(cls, vocab, rows, cols, tf, doc_len) -> Terms:
        order = np.lexsort((rows, cols))  # by column, then chunk
        counts = np.bincount(cols, minlength=len(vocab)) if len(cols) else np.zeros(len(vocab), np.int64)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(vocab, indptr, rows[order].astype(np.int32), tf[order].astype(np.float32), doc_len)

    @classmethod
    def merge(cls, parts: Sequence[tuple[Terms, np.ndarray]]) -> Terms:
        """One segment's counts from several: (terms, kept chunk positions in order) each, the chunks
        renumbered in the order given. No text is tokenised again."""
        vocab: dict[str, int] = {}
        all_rows, all_cols, all_tf, lens = [], [], [], []
        base = 0
        for terms, keep in parts:
            new_row = np.full(terms.n_docs, -1, np.int64)
            new_row[keep] = base + np.arange(len(keep))
            words = list(terms.vocab)
            colmap = np.array([vocab.setdefault(w, len(vocab)) for w in words], np.int64)
            col_of = np.repeat(np.arange(len(words)), np.diff(terms.indptr))
            rows = new_row[terms.rows]
            ok = rows >= 0
            all_rows.append(rows[ok])
            all_cols.append(colmap[col_of[ok]] if len(words) else col_of[ok])
            all_tf.append(terms.tf[ok])
            lens.append(terms.doc_len[keep])
            base += len(keep)

        def cat(xs: list[np.ndarray], dt) -> np.ndarray:
            return np.concatenate([np.zeros(0, dt), *xs]).astype(dt)

        used = cat(all_cols, np.int64)
        # drop words only removed chunks held
        present = np.unique(used)
        remap = np.full(len(vocab), -1, np.int64)
        remap[present] = np.arange(len(present))
        words = list(vocab)
        kept_vocab = {words[j]: i for i, j in enumerate(present)}
        return cls._from_triples(kept_vocab, cat(all_rows, np.int32), remap[used], cat(all_tf, np.float32),
                                 cat(lens, np.float32))

    def save(self, folder: Path) -> None:
        with open(folder / "terms.npz", "wb") as fh:
            np.savez(fh, indptr=self.indptr, rows=self.rows, tf=self.tf, doc_len=self.doc_len)
        (folder / "terms.json").write_text(json.dumps(list(self.vocab), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Terms:
        words = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        with np.load(folder / "terms.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("indptr", "rows", "tf", "doc_len")}
        if len(arrays["indptr"]) != len(words) + 1:
            raise ValueError(f"term counts hold {len(arrays['indptr']) - 1} words, the vocabulary {len(words)}")
        return cls({w: i for i, w in enumerate(words)}, **arrays)


@dataclass(frozen=True)
class Stats:
    """Term statistics of some chunks, to take out of an index's: chunks no longer served."""

    n_docs: int = 0
    total_len: float = 0.0
    df: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, texts: Sequence[str]) -> Stats:
        toks = tokenize(texts) if texts else []
        return cls(len(toks), float(sum(len(t) for t in toks)), Counter(w for t in toks for w in set(t)))

    def __add__(self, other: Stats) -> Stats:
        return Stats(self.n_docs + other.n_docs, self.total_len + other.total_len, self.df + other.df)


class BM25:
    """BM25 over the segments of an index, in order: `scores(query)` gives one score per chunk. The
    statistics are those of the chunks served: `removed` (chunks of reports removed or replaced, still in
    their segment's files) is taken out, so an incremental index scores exactly as a full rebuild."""

    def __init__(self, parts: Sequence[Terms], removed: Stats | None = None):
        self.parts = list(parts)
        self.offsets = np.concatenate([[0], np.cumsum([p.n_docs for p in self.parts])]).astype(np.int64)
        self.n_docs = int(self.offsets[-1])
        self.removed = removed or Stats()
        self.n_live = self.n_docs - self.removed.n_docs
        total = sum(float(p.doc_len.sum()) for p in self.parts) - self.removed.total_len
        self.avg_len = total / self.n_live if self.n_live > 0 else 1.0

    def df(self, word: str) -> int:
        """How many of the chunks served hold this stemmed word."""
        return sum(p.df(word) for p in self.parts) - self.removed.df.get(word, 0)

    def idf(self, word: str) -> float:
        """The inverse document frequency of a stemmed word among the chunks served (high: rare)."""
        df = self.df(word)
        return math.log(1 + (self.n_live - df + 0.5) / (df + 0.5)) if df > 0 else math.log(1 + self.n_live / 0.5)

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        if not self.n_docs:
            return out
        n = self.n_live
        for word in tokenize([query])[0]:
            df = sum(p.df(word) for p in self.parts) - self.removed.df.get(word, 0)
            if df <= 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for p, off in zip(self.parts, self.offsets, strict=False):
                j = p.vocab.get(word)
                if j is None:
                    continue
                a, b = p.indptr[j], p.indptr[j + 1]
                rows, tf = p.rows[a:b], p.tf[a:b]
                norm = K1 * (1 - B + B * p.doc_len[rows] / self.avg_len)
                out[off + rows] += idf * tf / (tf + norm)
        return out

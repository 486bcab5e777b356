"""Segments: the index is a list of immutable segments, so adding a report writes only its own.

A segment holds some reports' chunks with everything search and answers need for them:

    segment.json      its name and the number of chunks and units
    chunks.jsonl      one chunk a line (read on first use: loading a segment parses none of them)
    docs.json, doc_of.npy   its reports in chunk order, and each chunk's report (a position in docs.json)
    vectors.npy       chunk embeddings
    units.npy         quotable units (a sentence of a prose chunk, or a whole row or score) as
                      (chunk within the segment, start, end); unit_vectors.npy their embeddings;
                      unit_tokens.jsonl their stemmed words, one unit a line (read on first use too)
    dense.faiss       FAISS index over the vectors (flat when small, IVF from `ivf_threshold` chunks)
    terms.npz/.json   BM25 term counts (scored with whole-index statistics; see lexical.py)
    texts.bin/.json   the text each report's offsets point into, as it was when indexed (UTF-8, with the
                      byte range of each report), so one report's text is read without the others

Segments are never changed once written. A generation of the index names its segments; the next generation
hard-links the ones it keeps, so a build writes only new segments. A report removed or replaced stays in its
old segment's files until that segment is merged, but the generation's manifest no longer points to it
there, so it is never searched or quoted.

Merging (`plan_merge`) keeps the number of segments small, as Lucene's log merge policy does: segments are
grouped in levels by size (each `factor` times the one below, from `base` chunks), and when a level holds
`factor` segments they are merged into one of the next level. Merging copies chunks and vectors; nothing is
embedded again. Each chunk is copied about log_factor(corpus / base) times over its life, so the cost of
an add, merges included, does not grow with the corpus on average; the rare large merge costs what copying
those segments costs.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import mmap
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, overload

import numpy as np

from .chunk import Chunk
from .dense import IVF, Dense
from .lexical import Stats, Terms
from .parse import Span
from .question import common_words

FILES = ("segment.json", "chunks.jsonl", "docs.json", "doc_of.npy", "vectors.npy", "units.npy", "unit_vectors.npy",
         "unit_tokens.jsonl", "dense.faiss", "terms.npz", "terms.json", "texts.bin", "texts.json")

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """A sequence whose items are made when asked for, by `_item(i)` with 0 <= i < len(self)."""

    def _item(self, i: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._item(i)


class Rows(LazySequence[T]):
    """Items stored one JSON line each in a file, parsed on first use: a large segment loads without
    parsing every chunk (at 1M chunks, parsing them all was most of loading). The file is memory-mapped;
    segment files never change once written."""

    def __init__(self, path: Path, parse: Callable[[bytes], T]):
        with open(path, "rb") as fh:
            self._data: mmap.mmap | bytes = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) \
                if os.fstat(fh.fileno()).st_size else b""
        view = np.frombuffer(self._data, np.uint8) if len(self._data) else np.zeros(0, np.uint8)
        block = 1 << 26  # line ends found a block at a time: no temporary array the size of the file
        parts = [np.flatnonzero(view[a:a + block] == 10) + a for a in range(0, len(view), block)]
        ends = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
        self._ends = ends
        self._starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64) if len(ends) else ends
        self._parse = parse
        self._cache: dict[int, T] = {}

    def __len__(self) -> int:
        return len(self._ends)

    def _item(self, i: int) -> T:
        item = self._cache.get(i)
        if item is None:
            item = self._parse(self._data[int(self._starts[i]):int(self._ends[i])])
            self._cache[i] = item
        return item

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(len(self)))


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _save_array(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, arr)
        fh.flush()
        os.fsync(fh.fileno())


def chunk_to_json(c: Chunk) -> str:
    # by hand, not dataclasses.asdict: asdict deep-copies every span and was most of an incremental build
    d = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}
    d["spans"] = [[s.start, s.end, s.cell, s.glue] for s in c.spans]
    return json.dumps(d, ensure_ascii=False)


def chunk_from_json(line: str | bytes) -> Chunk:
    d = json.loads(line)
    d["spans"] = tuple(Span(*s) for s in d["spans"])
    d["section"] = tuple(d["section"])
    d["columns"] = tuple(d["columns"])
    d["sentences"] = tuple(tuple(x) for x in d["sentences"])
    return Chunk(**d)


def _token_set(line: bytes) -> frozenset[str]:
    return frozenset(json.loads(line))


def read_text(folder: Path, doc: str) -> str | None:
    """One report's text from a segment folder on disk, without reading the others'."""
    ranges = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
    if doc not in ranges:
        return None
    a, b = ranges[doc]
    with open(folder / "texts.bin", "rb") as fh:
        fh.seek(a)
        return fh.read(b - a).decode("utf-8")


@dataclass
class Segment:
    name: str
    chunks: Sequence[Chunk]  # a list when made, `Rows` (parsed on first use) when loaded
    vectors: np.ndarray
    units: np.ndarray  # (n, 3) int64: chunk position within this segment, start, end
    unit_vectors: np.ndarray
    unit_tokens: Sequence[frozenset[str]]
    dense: Dense
    terms: Terms
    texts: dict[str, str]
    docs: list[str] = field(default_factory=list)  # its reports, in chunk order
    doc_of: np.ndarray = field(default=None)  # type: ignore[assignment]  # chunk -> position in `docs`
    unit_bounds: np.ndarray = field(default=None)  # type: ignore[assignment]  # chunk i's units: [b[i], b[i+1])

    def __post_init__(self) -> None:
        if self.doc_of is None:  # made now (a loaded segment reads both from its files)
            number: dict[str, int] = {}
            self.doc_of = np.fromiter((number.setdefault(c.doc, len(number)) for c in self.chunks), dtype=np.int32,
                                      count=len(self.chunks))
            self.docs = list(number)
        self.unit_bounds = np.searchsorted(self.units[:, 0], np.arange(len(self.chunks) + 1)) if len(self.units) \
            else np.zeros(len(self.chunks) + 1, dtype=np.int64)
        if not (len(self.chunks) == len(self.vectors) == self.dense.size == self.terms.n_docs) \
                or not (len(self.units) == len(self.unit_vectors) == len(self.unit_tokens)):
            raise ValueError(f"segment {self.name} is inconsistent: {len(self.chunks)} chunks, {len(self.vectors)} "
                             f"vectors, {self.dense.size} in FAISS, {self.terms.n_docs} in BM25, {len(self.units)} "
                             f"units, {len(self.unit_vectors)} unit vectors")

    @property
    def size(self) -> int:
        return len(self.chunks)

    def stats_of(self, doc: str) -> Stats:
        """BM25 statistics of one report's chunks here (computed once: asked for reports no longer served)."""
        cache = self.__dict__.setdefault("_stats", {})
        if doc not in cache:
            cache[doc] = Stats.of([self.chunks[i].context + "\n" + self.chunks[i].text for i in self.rows_of({doc})])
        return cache[doc]

    @functools.cached_property
    def position(self) -> dict[str, int]:
        """Report -> its position in `docs` (what `doc_of` holds)."""
        return {d: i for i, d in enumerate(self.docs)}

    def _latest(self, name: str, dead: frozenset[str], make: Callable[[], T]) -> T:
        """`make()`, kept for the latest set of dead reports only: indexes move on, not back."""
        cached = self.__dict__.get(name)
        if cached is None or cached[0] != dead:
            cached = (dead, make())
            self.__dict__[name] = cached
        return cached[1]

    def served(self, dead: frozenset[str]) -> tuple[np.ndarray | None, Stats | None]:
        """For this segment less its `dead` reports (removed or replaced since it was written): which chunks
        are live (None: all) and the BM25 statistics of the others. Cached: the same segment serves the
        same reports from one index to the next."""
        def make() -> tuple[np.ndarray | None, Stats | None]:
            here = [i for i, d in enumerate(self.docs) if d not in dead]
            if len(here) == len(self.docs):
                return None, None
            stats = Stats()
            for d in self.docs:
                if d in dead:
                    stats = stats + self.stats_of(d)
            return np.isin(self.doc_of, np.asarray(here, np.int32)), stats
        return self._latest("_served", dead, make)

    def words(self, dead: frozenset[str]) -> frozenset[str]:
        """The words its served reports use in lower case (see question.common_words); cached like `served`."""
        return self._latest("_words", dead,
                            lambda: common_words(t for d, t in self.texts.items() if d not in dead))

    def rows_of(self, docs: set[str]) -> np.ndarray:
        """Positions of the chunks of these reports, in order."""
        ids = [self.position[d] for d in docs if d in self.position]
        return np.flatnonzero(np.isin(self.doc_of, np.asarray(ids, dtype=np.int32)))

    # -------------------------------------------------------------------------------------- making

    @classmethod
    def create(cls, name: str, chunks: list[Chunk], vectors: np.ndarray, units: np.ndarray,
               unit_vectors: np.ndarray, unit_tokens: Sequence[frozenset[str]], texts: dict[str, str],
               kind: str, ivf_threshold: int, nprobe: int = 0, trained=None, terms: Terms | None = None) -> Segment:
        dense = Dense.build(vectors, kind, ivf_threshold, nprobe, trained=trained)
        if terms is None:
            terms = Terms.build([c.context + "\n" + c.text for c in chunks])
        return cls(name, chunks, vectors, units, unit_vectors, list(unit_tokens), dense, terms, texts)

    @classmethod
    def merge(cls, name: str, parts: Sequence[tuple[Segment, set[str]]], kind: str, ivf_threshold: int,
              nprobe: int = 0) -> Segment:
        """One segment holding the given reports of each part (the live ones), copied: nothing is embedded or
        tokenised again, and the largest part's trained IVF lists are reused."""
        chunks: list[Chunk] = []
        vecs, uvecs, urows, utoks, term_parts = [], [], [], [], []
        texts: dict[str, str] = {}
        for seg, docs in parts:
            rows = seg.rows_of(docs)
            base = len(chunks)
            chunks.extend(seg.chunks[i] for i in rows)
            vecs.append(np.asarray(seg.vectors[rows]))
            # units of those chunks, renumbered
            new_pos = np.full(seg.size, -1, np.int64)
            new_pos[rows] = base + np.arange(len(rows))
            keep_units = np.flatnonzero(new_pos[seg.units[:, 0]] >= 0) if len(seg.units) else np.zeros(0, np.int64)
            u = seg.units[keep_units].copy()
            u[:, 0] = new_pos[u[:, 0]]
            urows.append(u)
            uvecs.append(np.asarray(seg.unit_vectors[keep_units]))
            utoks.extend(seg.unit_tokens[i] for i in keep_units)
            term_parts.append((seg.terms, rows))
            texts.update({d: seg.texts[d] for d in seg.docs if d in docs})
        dim = parts[0][0].vectors.shape[1]

        def cat(xs: list[np.ndarray], width: int) -> np.ndarray:
            return np.concatenate([np.zeros((0, width), xs[0].dtype if xs else np.float32), *xs])
        largest = max((seg for seg, _ in parts), key=lambda s: s.size, default=None)
        trained = largest.dense.trained_ivf() if largest is not None and largest.dense.kind == IVF else None
        return cls.create(name, chunks, cat(vecs, dim).astype(np.float32), cat(urows, 3).astype(np.int64),
                          cat(uvecs, dim).astype(np.float32), utoks, texts, kind, ivf_threshold, nprobe,
                          trained=trained, terms=Terms.merge(term_parts))

    # -------------------------------------------------------------------------------------- disk

    def write(self, folder: Path) -> None:
        folder.mkdir()
        _write(folder / "chunks.jsonl", "".join(chunk_to_json(c) + "\n" for c in self.chunks).encode())
        for fname, arr in (("vectors.npy", self.vectors), ("units.npy", self.units),
                           ("unit_vectors.npy", self.unit_vectors)):
            _save_array(folder / fname, np.asarray(arr))
        _write(folder / "unit_tokens.jsonl", "".join(json.dumps(sorted(t), ensure_ascii=False) + "\n"
                                                     for t in self.unit_tokens).encode())
        _write(folder / "docs.json", json.dumps(self.docs, ensure_ascii=False).encode())
        _save_array(folder / "doc_of.npy", np.asarray(self.doc_of, dtype=np.int32))
        self.dense.save(folder / "dense.faiss")
        self.terms.save(folder)
        blob, ranges = bytearray(), {}
        for doc, text in self.texts.items():
            data = text.encode("utf-8")
            ranges[doc] = [len(blob), len(blob) + len(data)]
            blob += data
        _write(folder / "texts.bin", bytes(blob))
        _write(folder / "texts.json", json.dumps(ranges, ensure_ascii=False).encode())
        _write(folder / "segment.json", json.dumps({"name": self.name, "chunks": self.size,
                                                    "units": len(self.units), "kind": self.dense.kind}).encode())

    @classmethod
    def load(cls, folder: Path, nprobe: int = 0) -> Segment:
        info = json.loads((folder / "segment.json").read_text(encoding="utf-8"))
        chunks = Rows(folder / "chunks.jsonl", chunk_from_json)
        # memory-mapped: answers touch only their candidates' rows, so a large index costs no RAM twice
        # (viewed as plain arrays: the memmap subclass costs microseconds on every row taken)
        vectors = np.load(folder / "vectors.npy", allow_pickle=False, mmap_mode="r").view(np.ndarray)
        units = np.load(folder / "units.npy", allow_pickle=False)
        unit_vectors = np.load(folder / "unit_vectors.npy", allow_pickle=False, mmap_mode="r").view(np.ndarray)
        unit_tokens = Rows(folder / "unit_tokens.jsonl", _token_set)
        dense = Dense.load(folder / "dense.faiss", nprobe=nprobe)
        terms = Terms.load(folder)
        ranges = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
        blob = (folder / "texts.bin").read_bytes()
        texts = {doc: blob[a:b].decode("utf-8") for doc, (a, b) in ranges.items()}
        if info.get("chunks") != len(chunks):
            raise ValueError(f"segment {folder.name} lists {info.get('chunks')} chunks, holds {len(chunks)}")
        docs = json.loads((folder / "docs.json").read_text(encoding="utf-8"))
        doc_of = np.load(folder / "doc_of.npy", allow_pickle=False)
        if len(doc_of) != len(chunks) or (len(doc_of) and int(doc_of.max()) >= len(docs)):
            raise ValueError(f"segment {folder.name}: docs.json and doc_of.npy do not match its chunks")
        return cls(info["name"], chunks, vectors, units, unit_vectors, unit_tokens, dense, terms, texts, docs, doc_of)


def level(size: int, factor: int, base: int) -> int:
    """A segment's level: 0 below `base` chunks, then one more each time it is `factor` times larger."""
    return 0 if size < base else 1 + int(math.log(size / base, factor) + 1e-9)


def plan_merge(sizes: Sequence[int], factor: int = 8, base: int = 1000) -> list[int]:
    """Which segments (positions in `sizes`) to merge now: the lowest level holding `factor` of them, or
    none. Call again after merging: the merged segment may complete the level above."""
    by_level: dict[int, list[int]] = {}
    for i, n in enumerate(sizes):
        by_level.setdefault(level(n, factor, base), []).append(i)
    for lv in sorted(by_level):
        if len(by_level[lv]) >= factor:
            return by_level[lv]
    return []

"""The index on disk: build it (incrementally, crash-safely), load it, and tell whether it is stale.

Layout of index/:
    CURRENT              the name of the live generation (replaced atomically)
    gen-<time>-<id>/     one complete index:
        manifest.json    format version, model and dimension, chunker version, its segments, an entry per
                         report (content hash, file size and time, metadata, the segment holding it), and the
                         size of every file below (a truncated file is caught at load)
        seg-<id>/        a segment: some reports' chunks, vectors, quotable units, FAISS and BM25 data and
                         texts (segment.py). Segments never change once written; a generation hard-links the
                         segments it keeps from the previous one, so an incremental build writes only the
                         segment of what is new, plus any merge that keeps the segment count small.
    .build-<id>/         a build in progress; renamed to gen-... only when complete
    .lock                held by the one build allowed at a time

A build never touches the live generation: a crash or kill mid-build leaves CURRENT pointing at the
previous, complete index. Leftover build folders are removed by the next build.

An incremental build costs what is new, not what is there: unchanged reports are recognised by file size
and modification time (read and hashed again only when those changed, or when the file was modified
within seconds of being indexed), stay in their segments, and are neither read, parsed nor written.
Supersession, which can change when a report arrives, lives in the manifest, not in the segments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import gc
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import corpus as corpus_mod
from . import metadata as metadata_mod
from . import segment as segment_mod
from . import versions
from .chunk import CHUNKER_VERSION, Chunk, chunk_report
from .dense import effective_kind
from .embed import Embedder
from .errors import INDEX_HINT, REBUILD_HINT, IndexBusy, IndexCorrupt, IndexMissing
from .extract import normalised_hash
from .lexical import BM25, Stats, tokenize
from .metadata import Metadata
from .parse import parse
from .segment import LazySequence, Segment, plan_merge
from .settings import Settings

log = logging.getLogger(__name__)

# Bump when the files of a generation change shape; an index of another version must be rebuilt.
FORMAT_VERSION = 6
CURRENT = "CURRENT"
REPORTS_FILE = "reports.json"  # in each segment folder: the entries of the reports it was written with
# A segment's entries are written again (as reports-<id>.json in the new generation, its other files still
# linked) once this many of them, and at least an eighth, have changed since: the manifest, written at every
# build, then holds a bounded number of changed entries however many were touched (a corpus copied anew).
REFRESH_MIN = 64


@dataclass(frozen=True)
class ReportEntry:
    doc: str
    sha256: str
    size: int
    layout: str
    chunks: int
    metadata: dict[str, Any]
    metadata_hash: str  # of the metadata as chunked (not supersession, which the manifest alone holds)
    pages: list[int] = field(default_factory=list)  # offsets where PDF pages start
    format: str = "text"
    text_sha256: str = ""  # of the words, whatever the file format: the same report under another name
    first_seen: str = ""  # when this content was first indexed: orders versions with no published date
    segment: str = ""  # the segment holding its chunks
    mtime_ns: int = 0  # the file's modification time when last hashed
    checked_ns: int = 0  # when it was last hashed
    override_hash: str = ""  # of its entry in corpus/metadata.json


@dataclass(frozen=True)
class SegmentInfo:
    name: str
    chunks: int  # all chunks in its files, including those of reports since removed or replaced
    kind: str  # flat | ivf | hnsw
    reports: str = REPORTS_FILE  # the file in its folder holding its report entries


@dataclass(frozen=True)
class Manifest:
    """A generation's description. On disk, `manifest.json` holds everything but the report entries; each
    segment's `reports.json` holds the entries of the reports it was written with, and manifest.json only
    what changed since (`changed`: entries that differ, such as a report newly superseded; `dead`: reports
    a segment no longer serves). So a build writes entries for what it touched, not for every report."""

    format_version: int
    generation: str
    built_at: str
    model_id: str
    dim: int
    chunker_version: str
    chunk_chars: int
    fallback_chunk_chars: int
    reports: dict[str, ReportEntry]
    skipped: dict[str, str]
    files: dict[str, int] = field(default_factory=dict)
    segments: list[SegmentInfo] = field(default_factory=list)
    # segment -> the entries in its reports.json (as read or written), to tell what changed since
    stored: dict[str, dict[str, ReportEntry]] = field(default_factory=dict, repr=False, compare=False)
    changed: dict[str, ReportEntry] = field(default_factory=dict, repr=False, compare=False)
    dead: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    # in memory only, set by the build that wrote it: the generation it was built from and the reports whose
    # entry is not that generation's other than by moving segment (new, changed, removed, newly superseded),
    # so what is derived from the reports can be updated for those alone
    parent: str | None = field(default=None, repr=False, compare=False)
    touched: frozenset[str] | None = field(default=None, repr=False, compare=False)

    @property
    def dense_kind(self) -> str:
        """The kind of the largest segment's FAISS index (what most searching costs)."""
        return max(self.segments, key=lambda s: s.chunks).kind if self.segments else "flat"

    @functools.cached_property
    def lookup(self) -> Lookup:
        """Lookups over the reports (computed once; a build hands its successor an updated copy)."""
        return Lookup.of(self.reports)

    def to_json(self) -> str:
        data = {k: getattr(self, k) for k in ("format_version", "generation", "built_at", "model_id", "dim",
                                              "chunker_version", "chunk_chars", "fallback_chunk_chars", "skipped",
                                              "files")}
        data["segments"] = [asdict(s) for s in self.segments]
        data["changed"] = {doc: _entry_dict(e) for doc, e in sorted(self.changed.items())}
        data["dead"] = {name: sorted(docs) for name, docs in self.dead.items() if docs}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def read(cls, gen: Path, reuse: Manifest | None = None) -> Manifest:
        """The manifest of the generation in folder `gen`, with its segments' report entries (taken from
        `reuse`, a manifest read before, for segments it already holds: they never change)."""
        data = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "format_version" not in data:
            raise ValueError("not a manifest")
        if data["format_version"] != FORMAT_VERSION:
            raise IndexCorrupt(f"The index was written in format version {data['format_version']}; this "
                               f"version of the assistant reads version {FORMAT_VERSION}. {REBUILD_HINT}")
        segments = [SegmentInfo(**v) for v in data.pop("segments")]
        changed = {doc: ReportEntry(**v) for doc, v in data.pop("changed").items()}
        dead = {name: frozenset(docs) for name, docs in data.pop("dead").items()}
        stored: dict[str, dict[str, ReportEntry]] = {}
        known = {i.name: i.reports for i in reuse.segments} if reuse is not None else {}
        for info in segments:
            if known.get(info.name) == info.reports:
                stored[info.name] = reuse.stored[info.name]  # type: ignore[union-attr]
            else:
                raw = json.loads((gen / info.name / info.reports).read_text(encoding="utf-8"))
                stored[info.name] = {doc: ReportEntry(**v) for doc, v in raw.items()}
        return cls(**data, reports=_served(segments, stored, dead, changed), segments=segments, stored=stored,
                   changed=changed, dead=dead)


def _served(segments: list[SegmentInfo], stored: dict[str, dict[str, ReportEntry]], dead: dict[str, frozenset[str]],
            changed: dict[str, ReportEntry]) -> dict[str, ReportEntry]:
    """Every report's entry: its segment's, unless the segment no longer serves it or it changed since.
    Whole dicts are merged (no step per report), so this costs little next to reading them."""
    reports: dict[str, ReportEntry] = {}
    for info in segments:
        reports.update(_without(stored[info.name], dead.get(info.name)))
    reports.update(changed)
    return dict(sorted(reports.items()))


def _without(mapping: dict[str, Any], gone: Collection[str] | None) -> dict[str, Any]:
    """`mapping` less the keys in `gone`: copied whole and trimmed (no step per kept key), or itself."""
    if not gone:
        return mapping
    out = dict(mapping)
    for key in gone:
        out.pop(key, None)
    return out


@dataclass(frozen=True)
class Lookup:
    """What a build looks up among the reports already indexed: the report holding each text (by the hash
    of its words), each version group's reports (`versions.version_key`), and when each content was first
    indexed. Kept up to date from one generation to the next rather than recomputed over every report."""

    by_words: dict[str, str]
    groups: dict[tuple[str, str], frozenset[str]]
    first_seen: dict[str, str]  # content sha256 -> first indexed

    @classmethod
    def of(cls, reports: dict[str, ReportEntry]) -> Lookup:
        return cls({}, {}, {}).updated({}, reports, reports)

    def updated(self, old: dict[str, ReportEntry], new: dict[str, ReportEntry], docs: Collection[str]) -> Lookup:
        """This lookup (of reports `old`) updated for reports `new`, which differ from `old` only in `docs`."""
        by_words, groups, first_seen = dict(self.by_words), dict(self.groups), dict(self.first_seen)
        for doc in docs:
            e = old.get(doc)
            if e is None:
                continue
            if by_words.get(e.text_sha256) == doc:
                del by_words[e.text_sha256]
            first_seen.pop(e.sha256, None)  # indexed content is unique: no other report has these bytes
            key = versions.version_key(e.metadata)
            if key in groups:
                rest = groups[key] - {doc}
                if rest:
                    groups[key] = rest
                else:
                    del groups[key]
        for doc in docs:
            e = new.get(doc)
            if e is None:
                continue
            by_words.setdefault(e.text_sha256, doc)
            key = versions.version_key(e.metadata)
            if key:
                groups[key] = groups.get(key, frozenset()) | {doc}
            if e.first_seen:
                first_seen[e.sha256] = e.first_seen
        return Lookup(by_words, groups, first_seen)


def _entry_dict(e: ReportEntry) -> dict[str, Any]:
    return dict(e.__dict__)  # shallow: asdict deep-copies every metadata dict


def _locate(pos: int, offsets: np.ndarray) -> tuple[int, int]:
    """(segment, position within it) of a position running through segments that start at `offsets`."""
    k = int(np.searchsorted(offsets, pos, side="right")) - 1
    return k, pos - int(offsets[k])


class ChunkView(LazySequence[Chunk]):
    """The chunks of an index's segments as one sequence (positions run through the segments in order),
    without making a list of them all: a segment's chunks are read on first use."""

    def __init__(self, segments: list[Segment], offsets: np.ndarray):
        self._segments, self._offsets = segments, offsets

    def __len__(self) -> int:
        return int(self._offsets[-1])

    def _item(self, pos: int) -> Chunk:
        k, i = _locate(pos, self._offsets)
        return self._segments[k].chunks[i]

    def __iter__(self) -> Iterator[Chunk]:
        return itertools.chain.from_iterable(s.chunks for s in self._segments)


class Index:
    """A loaded generation: its segments read as one list of chunks (positions run through the segments in
    order) with everything search and answers need. Chunks of reports removed or replaced since their
    segment was written are excluded by `live_mask` and never appear in `texts`."""

    def __init__(self, path: Path, manifest: Manifest, segments: list[Segment]):
        self.path = path
        self.manifest = manifest
        self.segments = segments
        self.chunk_offsets = np.concatenate([[0], np.cumsum([s.size for s in segments])]).astype(np.int64)
        self.unit_offsets = np.concatenate([[0], np.cumsum([len(s.units) for s in segments])]).astype(np.int64)
        self.chunks = ChunkView(segments, self.chunk_offsets)
        # per segment, the reports it still serves (all but its `dead` ones): whole segments at a time, and
        # computed once per segment and set of dead reports (segments are reused from index to index)
        gone = [manifest.dead.get(s.name, frozenset()) for s in segments]
        self.texts: dict[str, str] = {}
        for s, dead in zip(segments, gone, strict=True):
            self.texts.update(_without(s.texts, dead))
        served = [s.served(dead) for s, dead in zip(segments, gone, strict=True)]
        self._live: list[np.ndarray | None] = [mask for mask, _ in served]
        removed = Stats()
        for _, stats in served:
            if stats is not None:
                removed = removed + stats
        self.lexical = BM25([s.terms for s in segments], removed)
        self._live_mask = None if all(m is None for m in self._live) else np.concatenate(
            [m if m is not None else np.ones(s.size, bool) for m, s in zip(self._live, segments, strict=True)])
        self._words: frozenset[str] | None = None

    def common_words(self) -> frozenset[str]:
        """Words the reports use in lower case (to tell a person's name from ordinary words): on first need,
        from each segment's (kept with the segment, so an index after an add reads only the new one's)."""
        if self._words is None:
            parts = [s.words(self.manifest.dead.get(s.name, frozenset())) for s in self.segments]
            self._words = frozenset().union(*parts)
        return self._words

    def metadata(self, doc: str) -> Metadata:
        return Metadata.from_dict(self.manifest.reports[doc].metadata)

    def mentions(self, words: str) -> bool:
        """Do the reports use every word of this (a place's name, say)?"""
        stems = tokenize([words])[0]
        return bool(stems) and all(any(p.df(w) for p in self.lexical.parts) for w in stems)

    # -------------------------------------------------------------------------------------- positions

    @property
    def n_units(self) -> int:
        return int(self.unit_offsets[-1])

    def vector(self, pos: int) -> np.ndarray:
        k, i = _locate(pos, self.chunk_offsets)
        return self.segments[k].vectors[i]

    def is_live(self, pos: int) -> bool:
        k, i = _locate(pos, self.chunk_offsets)
        return self._live[k] is None or bool(self._live[k][i])

    def units_of(self, pos: int) -> range:
        """The rows of chunk `pos`'s quotable units."""
        k, i = _locate(pos, self.chunk_offsets)
        b, off = self.segments[k].unit_bounds, int(self.unit_offsets[k])
        return range(off + int(b[i]), off + int(b[i + 1]))

    def unit(self, row: int) -> tuple[int, int, int]:
        """(chunk position, start, end) of a quotable unit."""
        k, r = _locate(row, self.unit_offsets)
        c, a, b = self.segments[k].units[r]
        return int(self.chunk_offsets[k]) + int(c), int(a), int(b)

    def unit_vector(self, row: int) -> np.ndarray:
        k, r = _locate(row, self.unit_offsets)
        return self.segments[k].unit_vectors[r]

    def unit_tokens(self, row: int) -> frozenset[str]:
        k, r = _locate(row, self.unit_offsets)
        return self.segments[k].unit_tokens[r]

    # -------------------------------------------------------------------------------------- search

    def live_mask(self) -> np.ndarray | None:
        """Which chunks belong to reports in the index now (None: all of them)."""
        return self._live_mask

    def mask_of(self, docs: Collection[str]) -> np.ndarray:
        """A mask of the chunks of these reports (where they are served from): one vectorised comparison
        for each segment holding any of them."""
        reports = self.manifest.reports
        wanted: dict[str, list[str]] = {}
        for d in docs:
            e = reports.get(d)
            if e is not None:
                wanted.setdefault(e.segment, []).append(d)
        parts = []
        for s in self.segments:
            names = wanted.get(s.name)
            if not names:
                parts.append(np.zeros(s.size, bool))
                continue
            ids = np.asarray([s.position[d] for d in names], dtype=np.int32)
            parts.append(np.isin(s.doc_of, ids))
        return np.concatenate(parts) if parts else np.zeros(0, bool)

    def search_dense(self, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k nearest live chunks (position, cosine), best first; `mask` restricts them further."""
        found: list[tuple[int, float]] = []
        for n, s in enumerate(self.segments):
            off = int(self.chunk_offsets[n])
            allowed = mask[off:off + s.size] if mask is not None else self._live[n]
            if s.size == 0 or (allowed is not None and not allowed.any()):
                continue
            scores, ids = s.dense.search(query, k, allowed)
            found.extend((off + int(i), float(sc)) for sc, i in zip(scores, ids, strict=True) if i >= 0)
        found.sort(key=lambda x: (-x[1], x[0]))
        return found[:k]


@dataclass(frozen=True)
class BuildResult:
    manifest: Manifest
    embedded: int  # distinct texts (chunks and quotable units) that were new and went through the model
    reused: int  # texts of re-chunked reports whose vector came from the previous index
    kept: int  # chunks kept as they were, in segments carried over from the previous index
    seconds: float
    skipped: dict[str, str]
    chunks: int
    written: list[str] = field(default_factory=list)  # segments this build wrote (new and merged)
    merged: int = 0  # segments merged into others by this build


# ------------------------------------------------------------------------------------------ preparing

@dataclass(frozen=True)
class Prepared:
    """The corpus as it would be indexed now. `entries` has every report; `todo` the text of those to chunk
    (new or changed, or all of them without a usable previous index) and `chunks` their chunks. The others
    keep the segment named in their entry. No model needed."""

    entries: dict[str, ReportEntry]
    skipped: dict[str, str]
    todo: dict[str, str]
    chunks: list[Chunk]
    touched: frozenset[str] = frozenset()  # reports whose entry is not `previous`'s (new, changed, removed)

    @property
    def total_chunks(self) -> int:
        return sum(e.chunks for e in self.entries.values())


def _hash_json(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _compatible(manifest: Manifest, settings: Settings) -> bool:
    return manifest.chunker_version == CHUNKER_VERSION and manifest.chunk_chars == settings.chunk_chars \
        and manifest.fallback_chunk_chars == settings.fallback_chunk_chars


def prepare(settings: Settings, previous: Manifest | None = None, reuse: bool = True,
            only: Collection[str] | None = None) -> Prepared:
    """Read, parse and chunk what is new in the corpus. The same words under another name or format are
    indexed once (the first by name); a newer CQC report for the same authority and quality statement marks
    the older one superseded. With the `previous` manifest (and `reuse`), a report whose file size and time,
    metadata.json entry and chunker settings are unchanged keeps its entry (the same object) and segment
    without being read; one whose size or time changed is hashed, and parsed again only if its bytes
    changed. `only`: the names of the files that changed (the app's upload or removal): every other report is
    taken as `previous` has it, without looking at its file, and only the version groups those files are in
    are ordered again, so the work is that of the files named. `previous` also carries when each report was
    first indexed."""
    overrides = metadata_mod.load_file(settings.corpus_dir)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    now_ns = time.time_ns()
    old_entries = previous.reports if previous is not None else {}
    can_keep = previous is not None and reuse and _compatible(previous, settings)
    lookup = previous.lookup if previous is not None else Lookup({}, {}, {})
    incremental = only is not None and can_keep
    seen_text: dict[str, str] = {}  # words hash -> the report indexed with them, among the files looked at
    words_of: dict[str, str] = {}
    todo: dict[str, corpus_mod.Report] = {}
    todo_md: dict[str, Metadata] = {}
    todo_meta: dict[str, dict[str, Any]] = {}
    if incremental:
        changed = set(only or ())
        files = [doc for doc in sorted(changed) if (settings.corpus_dir / doc).is_file()]
        skipped = [corpus_mod.Skipped(d, r) for d, r in previous.skipped.items() if d not in changed]
        kept = dict(old_entries)  # doc -> entry, still valid (every report but the files named)
        for doc in changed:
            kept.pop(doc, None)
    else:
        changed = set()
        files, skipped = corpus_mod.list_files(settings.corpus_dir)
        kept = {}

    def holder(words: str) -> str | None:
        doc = seen_text.get(words)
        if doc is None and incremental:
            doc = lookup.by_words.get(words)
            return None if doc in changed else doc
        return doc

    def read(doc: str) -> corpus_mod.Report | None:
        got = corpus_mod.read_report(settings.corpus_dir / doc, settings.max_report_bytes)
        if isinstance(got, corpus_mod.Skipped):
            skipped.append(got)
            return None
        return got

    folder = str(settings.corpus_dir)
    override_hash: dict[str, str] = {}
    for doc in files:
        old = old_entries.get(doc) if can_keep else None
        override_hash[doc] = _hash_json(overrides.get(doc))
        st = os.stat(os.path.join(folder, doc))  # a Path made for each file costs more than its stat
        report = None
        if old is not None and corpus_mod.unchanged_since(st, old.size, old.mtime_ns, old.checked_ns):
            sha, words, checked = old.sha256, old.text_sha256, old.checked_ns
        else:
            report = read(doc)
            if report is None:
                continue
            sha, words, checked = report.sha256, normalised_hash(report.text), now_ns
        first = holder(words)
        if first is not None:
            skipped.append(corpus_mod.Skipped(doc, f"the same text as {first} (a duplicate under "
                                                   "another name or format)"))
            continue
        seen_text[words] = doc
        words_of[doc] = words
        if old is not None and old.sha256 == sha and old.override_hash == override_hash[doc] and old.segment:
            same = old.mtime_ns == st.st_mtime_ns and old.checked_ns == checked
            kept[doc] = old if same else dataclasses.replace(old, mtime_ns=st.st_mtime_ns, checked_ns=checked)
            continue
        if report is None:
            report = read(doc)
            if report is None:
                continue
        todo[doc] = dataclasses.replace(report, size=st.st_size)
        todo_md[doc] = metadata_mod.merge(metadata_mod.detect(report.text), overrides.get(doc))
        todo_meta[doc] = todo_md[doc].to_dict()
    for s in skipped:
        log.warning("skipped %s: %s", s.doc, s.reason)

    # versions: every report's group is ordered again, or (incremental) only the groups of the files named
    if incremental:
        keys = {versions.version_key(old_entries[d].metadata) for d in changed if d in old_entries}
        keys |= {versions.version_key(todo_meta[d]) for d in todo}
        keys |= {versions.version_key(kept[d].metadata) for d in changed if d in kept}
        keys.discard(None)
        scope = {d for k in keys for d in lookup.groups.get(k, ()) if d not in changed}  # type: ignore[arg-type]
        scope |= {d for d in changed if d in kept or d in todo}
    else:
        scope = set(kept) | set(todo)
    metas = {d: todo_meta[d] if d in todo else kept[d].metadata for d in scope}
    seen_at = {d: lookup.first_seen.get(todo[d].sha256 if d in todo else kept[d].sha256, now) for d in scope}
    newer_of = versions.supersessions(metas, seen_at)

    entries = kept
    for doc in scope:
        if doc in kept:
            newer = newer_of.get(doc)
            e = kept[doc]
            if e.metadata.get("superseded_by") != newer:  # supersession lives in the manifest only
                entries[doc] = dataclasses.replace(e, metadata={**e.metadata, "superseded_by": newer})
    chunks: list[Chunk] = []
    texts: dict[str, str] = {}
    skipped_now = {s.doc: s.reason for s in skipped}
    for doc in sorted(todo):
        rep = todo[doc]
        parsed = parse(rep.text, settings.fallback_chunk_chars)
        these = chunk_report(doc, rep.sha256, rep.text, parsed, todo_md[doc], settings.chunk_chars)
        if not these:
            skipped_now[doc] = "no indexable text found in it"
            continue
        chunks.extend(these)
        texts[doc] = rep.text
        st = (settings.corpus_dir / doc).stat()
        entries[doc] = ReportEntry(doc, rep.sha256, rep.size, parsed.layout, len(these),
                                   {**todo_meta[doc], "superseded_by": newer_of.get(doc)}, _hash_json(todo_meta[doc]),
                                   list(rep.pages), rep.format, words_of[doc], seen_at[doc],
                                   "", st.st_mtime_ns, now_ns, override_hash[doc])
    candidates = (changed | scope) if incremental else set(entries) | set(old_entries)
    touched = frozenset(d for d in candidates if entries.get(d) is not old_entries.get(d))
    return Prepared(dict(sorted(entries.items())), dict(sorted(skipped_now.items())), texts, chunks, touched)


# ------------------------------------------------------------------------------------------ building

def texts_to_embed(chunks: list[Chunk]) -> list[str]:
    """The distinct texts a build embeds for these chunks: each chunk (with its context line) and each
    quotable unit. What the benchmarks encode bare, to compare a build with."""
    return list(dict.fromkeys([c.embed_text for c in chunks] + [u[3] for u in quotables(chunks)]))


def quotables(chunks: list[Chunk]) -> list[tuple[int, int, int, str]]:
    """The units an answer can quote, in chunk order: each sentence of a prose chunk of two or more
    sentences, otherwise the whole chunk. (chunk position, start, end, text to embed)."""
    out = []
    for i, c in enumerate(chunks):
        if len(c.sentences) >= 2:
            text = None
            for s, e in c.sentences:
                text = c.text[s - c.start:e - c.start]
                out.append((i, s, e, f"{c.context}\n{text}"))
        else:
            out.append((i, c.start, c.end, c.embed_text))
    return out


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusy(f"Another build is running on {index_dir}. Wait for it to finish, then try "
                            "again.") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _current_name(index_dir: Path) -> str | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def clean_leftovers(index_dir: Path, keep_previous: str | None = None) -> list[str]:
    """Remove interrupted builds and generations other than the live one (and `keep_previous`, which
    readers that loaded just before a swap may still be reading). Call only while holding the lock."""
    live = _current_name(index_dir)
    removed = []
    for p in index_dir.iterdir() if index_dir.is_dir() else []:
        if p.is_dir() and (p.name.startswith(".build-")
                           or (p.name.startswith("gen-") and p.name not in (live, keep_previous))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    for p in index_dir.glob(f".{CURRENT}.*"):
        p.unlink(missing_ok=True)
        removed.append(p.name)
    if removed:
        log.info("removed leftovers in %s: %s", index_dir, ", ".join(sorted(removed)))
    return removed


_write = segment_mod._write


# ---------------------------------------------------------------------------------------------- kept texts
# Every version of every report ever indexed keeps its text (what citations' offsets point into) here, by the
# hash of its file: a permalink names that hash, so it opens the passage as it was when the link was made,
# after any add, removal, replacement or merge. Small (the corpus's text once per version) and never pruned.

TEXTS_DIR = "texts"
_TEXT_KEY = re.compile(r"^[0-9a-f]{16}$")


def text_key(sha256: str) -> str:
    """The short name a permalink gives a report version: the start of its file's SHA-256."""
    return sha256[:16]


def _keep_texts(index_dir: Path, gen: Path, entries: dict[str, ReportEntry]) -> int:
    """Write the text of every report version in `entries` that is not kept yet, read from the generation
    being built (`gen`), with what it was (name, title, authority, pages) beside it. Returns how many."""
    folder = index_dir / TEXTS_DIR
    folder.mkdir(exist_ok=True)
    missing: dict[str, list[str]] = {}
    for doc, e in entries.items():
        if e.sha256 and not (folder / f"{text_key(e.sha256)}.txt").exists():
            missing.setdefault(e.segment, []).append(doc)
    for seg, docs in missing.items():
        ranges = json.loads((gen / seg / "texts.json").read_text(encoding="utf-8"))
        with open(gen / seg / "texts.bin", "rb") as fh:
            for doc in docs:
                e = entries[doc]
                a, b = ranges[doc]
                fh.seek(a)
                data = fh.read(b - a)
                about = {"doc": doc, "sha256": e.sha256, "pages": list(e.pages), "first_seen": e.first_seen,
                         **metadata_mod.shown(e.metadata)}
                key = text_key(e.sha256)
                for name, blob in ((f"{key}.json", json.dumps(about, ensure_ascii=False).encode()),
                                   (f"{key}.txt", data)):  # the text last: its presence says both are whole
                    tmp = folder / f".{name}.{uuid.uuid4().hex[:6]}"
                    _write(tmp, blob)
                    os.replace(tmp, folder / name)
    if missing:
        _fsync_dir(folder)
    return sum(len(d) for d in missing.values())


def keep_texts(index_dir: Path, manifest: Manifest) -> int:
    """Keep the texts of a generation already built (one built before texts were kept): what `build` does for
    the generations it makes. Idempotent; returns how many were written."""
    return _keep_texts(index_dir, index_dir / manifest.generation, manifest.reports)


def kept_text(index_dir: Path, key: str) -> tuple[str, dict[str, Any]] | None:
    """The text of the report version a permalink names (`text_key`), and what it was; None if not kept."""
    if not _TEXT_KEY.match(key or ""):
        return None
    folder = index_dir / TEXTS_DIR
    try:
        text = (folder / f"{key}.txt").read_bytes().decode("utf-8")
        about = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return text, about


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class _Slot:
    """A segment of the generation being built: carried over (`seg` None until needed) or made now."""

    name: str
    docs: set[str]  # its live reports
    size: int  # their chunks
    kind: str
    on_disk: int  # chunks in its files, those of reports removed or replaced since included
    seg: Segment | None = None
    carried: bool = True  # in the previous generation's folder: hard-linked, not written
    reports: str = REPORTS_FILE  # the file of its report entries there


def _new_name() -> str:
    return f"seg-{uuid.uuid4().hex[:12]}"


def build(settings: Settings, embedder: Embedder, rebuild: bool = False, progress: bool = False,
          on_step: Callable[[str], None] | None = None, previous: Index | None = None,
          only: Collection[str] | None = None, merge: bool = True, manifest: Manifest | None = None) -> BuildResult:
    """Index the corpus: new and changed reports go into a new segment (text unchanged since the previous
    index reuses its vector), the previous generation's other segments are carried over by hard links, and
    small segments are merged (`segment.plan_merge`). `rebuild` embeds everything again into one segment.
    `previous`: the live index already loaded (the app's), so its segments are not read from disk again.
    `only`: the files that changed, when the caller knows (the app's upload or removal; see `prepare`).
    `merge`: False leaves merging for a later build (the app merges after the swap, in the background, when
    `merge_due` says so). `manifest`: the live generation's, if the caller has read it (not read again).
    The new generation replaces the live one atomically at the end.

    >>> build(Settings.from_env(), SentenceTransformerEmbedder(bundled_model_path())).chunks
    """
    t0 = time.perf_counter()
    step = on_step or (lambda _s: None)
    index_dir = settings.index_dir
    with build_lock(index_dir), no_gc():  # a build makes garbage refcounting frees, not cycles
        live = _current_name(index_dir)
        clean_leftovers(index_dir, keep_previous=live)
        step("prepare")
        old: Manifest | None = None
        if live:
            try:
                # the app's loaded index is the live one: its manifest as it is (with its lookups), not read again
                known = previous.manifest if previous is not None else manifest
                old = known if known is not None and known.generation == live else read_manifest(index_dir, known)
                check_files(index_dir / old.generation, old)  # damaged segments are not carried over
            except (IndexMissing, IndexCorrupt) as exc:
                old = None
                log.warning("previous index not reusable, embedding everything: %s", exc)
        if previous is not None and (old is None or previous.manifest.generation != old.generation):
            previous = None
        same_model = old is not None and old.model_id == embedder.model_id and not rebuild
        prep = prepare(settings, old, reuse=same_model, only=only)
        old_gen = index_dir / old.generation if old is not None else None
        loaded = {s.name: s for s in previous.segments} if previous is not None else {}

        def segment(name: str) -> Segment:
            if name not in loaded:
                loaded[name] = Segment.load(old_gen / name, settings.ivf_nprobe)
            return loaded[name]

        # vectors of re-chunked reports' unchanged text (a metadata edit, a changed report, a new chunker)
        cache: dict[str, np.ndarray] = {}
        old_tokens: dict[str, frozenset[str]] = {}
        if same_model:
            sources: dict[str, set[str]] = {}
            for doc in prep.todo:
                e = old.reports.get(doc)
                if e is not None and e.segment:
                    sources.setdefault(e.segment, set()).add(doc)
            if not _compatible(old, settings):  # everything was chunked again: any old text may recur
                sources = {}
                for doc, e in old.reports.items():
                    sources.setdefault(e.segment, set()).add(doc)
            try:
                for name, docs in sources.items():
                    seg = segment(name)
                    rows = seg.rows_of(docs)
                    cache.update((_text_key(seg.chunks[i].embed_text), seg.vectors[i]) for i in rows)
                    unit_rows = [r for i in rows for r in range(int(seg.unit_bounds[i]), int(seg.unit_bounds[i + 1]))]
                    for r, u in zip(unit_rows, quotables([seg.chunks[i] for i in rows]), strict=True):
                        key = _text_key(u[3])
                        cache[key] = seg.unit_vectors[r]
                        old_tokens[key] = seg.unit_tokens[r]
            except Exception as exc:  # noqa: BLE001 - an unreadable old segment only costs embedding again
                log.warning("previous vectors not reusable, embedding the changed reports: %s", exc)
                cache, old_tokens = {}, {}

        texts = [c.embed_text for c in prep.chunks]
        units = quotables(prep.chunks)
        all_texts = texts + [u[3] for u in units]
        keys = [_text_key(t) for t in all_texts]
        todo_keys: dict[str, str] = {}
        for k, t in zip(keys, all_texts, strict=True):
            if k not in cache and k not in todo_keys:
                todo_keys[k] = t
        step("embed")
        log.info("embedding %d new texts (%d chunks and %d quotable units to index)", len(todo_keys), len(texts),
                 len(units))
        if todo_keys:
            fresh = embedder.embed_documents(list(todo_keys.values()), progress=progress)
            cache.update(zip(todo_keys, fresh, strict=True))
        dim = len(next(iter(cache.values()))) if cache else embedder.dim
        matrix = np.stack([cache[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)
        vectors, unit_vectors = matrix[: len(texts)], matrix[len(texts):]
        unit_rows = np.array([u[:3] for u in units], dtype=np.int64).reshape(-1, 3)
        # stemmed words of each unit: reused for unchanged text, tokenised for the new
        unit_keys = keys[len(texts):]
        fresh_units = [i for i, k in enumerate(unit_keys) if k not in old_tokens]
        fresh_tokens = tokenize([units[i][3].split("\n", 1)[-1] for i in fresh_units]) if fresh_units else []
        new_tokens = dict(zip(fresh_units, fresh_tokens, strict=True))
        unit_tokens = [frozenset(new_tokens[i]) if i in new_tokens else old_tokens[k] for i, k in enumerate(unit_keys)]
        n_new = len(todo_keys)
        n_reused = sum(1 for k in set(keys) if k not in todo_keys)

        step("write")
        entries = dict(prep.entries)
        slots: list[_Slot] = []
        dead: dict[str, frozenset[str]] = {}
        if old is not None and same_model and _compatible(old, settings):
            slots, dead = _carried(old, entries, prep.touched)
        kept = sum(s.size for s in slots)
        if prep.chunks:
            new = Segment.create(_new_name(), prep.chunks, vectors, unit_rows, unit_vectors, unit_tokens,
                                 prep.todo, settings.index_kind, settings.ivf_threshold, settings.ivf_nprobe)
            slots.append(_Slot(new.name, set(new.docs), new.size, new.dense.kind, new.size, new, carried=False))
        slots, merged_away = _merge(slots, settings, segment) if merge else (slots, 0)

        dead = {s.name: dead[s.name] for s in slots if s.carried}
        # entries that differ from their carried segment's stored ones (newly superseded, say)
        pending: dict[str, dict[str, ReportEntry]] = {name: {} for name in dead}
        for doc in (set(old.changed) | prep.touched) if old is not None else ():
            e = entries.get(doc)
            if e is not None and e.segment in dead and old.stored[e.segment].get(doc) is not e:
                pending[e.segment][doc] = e
        tmp = index_dir / f".build-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        stored: dict[str, dict[str, ReportEntry]] = {}
        reports_file: dict[str, str] = {}
        written = []
        for slot in slots:
            if slot.carried:  # unchanged: the same files, hard-linked (no copy, no write)
                (tmp / slot.name).mkdir()
                for fname in segment_mod.FILES:
                    os.link(old_gen / slot.name / fname, tmp / slot.name / fname)
                here, mine = old.stored[slot.name], pending[slot.name]
                if len(mine) < max(REFRESH_MIN, len(here) // 8):
                    os.link(old_gen / slot.name / slot.reports, tmp / slot.name / slot.reports)
                    stored[slot.name], reports_file[slot.name] = here, slot.reports
                    continue
                stored[slot.name] = {**here, **mine}  # its entries as they are now, written afresh
                pending[slot.name] = {}
                reports_file[slot.name] = f"reports-{uuid.uuid4().hex[:8]}.json"
            else:
                slot.seg.write(tmp / slot.name)
                written.append(slot.name)
                for doc in slot.docs:
                    entries[doc] = dataclasses.replace(entries[doc], segment=slot.name)
                stored[slot.name] = {doc: entries[doc] for doc in sorted(slot.docs)}
                reports_file[slot.name] = REPORTS_FILE
            _write(tmp / slot.name / reports_file[slot.name],
                   json.dumps({d: _entry_dict(e) for d, e in stored[slot.name].items()}, ensure_ascii=False).encode())
        changed = {doc: e for mine in pending.values() for doc, e in mine.items()}
        files = {str(p.relative_to(tmp)): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        generation = f"gen-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        manifest = Manifest(
            format_version=FORMAT_VERSION, generation=generation,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"), model_id=embedder.model_id, dim=dim,
            chunker_version=CHUNKER_VERSION, chunk_chars=settings.chunk_chars,
            fallback_chunk_chars=settings.fallback_chunk_chars, reports=entries, skipped=prep.skipped,
            files=files, segments=[SegmentInfo(s.name, s.on_disk, s.kind, reports_file[s.name]) for s in slots],
            stored=stored,
            changed=changed, dead=dead, parent=old.generation if old is not None else None,
            touched=prep.touched if old is not None else None)
        if old is not None and "lookup" in old.__dict__:  # computed already: hand it on, updated
            manifest.__dict__["lookup"] = old.lookup.updated(old.reports, entries, prep.touched)
        _write(tmp / "manifest.json", manifest.to_json().encode())
        _fsync_dir(tmp)
        _keep_texts(index_dir, tmp, entries)  # before the swap: every link the new index makes opens

        step("swap")
        final = index_dir / generation
        tmp.rename(final)
        pointer = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        _write(pointer, generation.encode())
        os.replace(pointer, index_dir / CURRENT)
        _fsync_dir(index_dir)
        clean_leftovers(index_dir, keep_previous=live)
        seconds = time.perf_counter() - t0
        total = sum(s.size for s in slots)
        log.info("built %s: %d reports, %d chunks in %d segments (%d written), %d texts embedded in %.2fs",
                 generation, len(entries), total, len(slots), len(written), n_new, seconds)
        return BuildResult(manifest, n_new, n_reused, kept, seconds, prep.skipped, total, written, merged_away)


def _carried(old: Manifest, entries: dict[str, ReportEntry],
             touched: Collection[str]) -> tuple[list[_Slot], dict[str, frozenset[str]]]:
    """The previous generation's segments that still serve reports, as they would be carried into a new one
    whose entries are `entries` (differing from `old`'s in `touched`), with each one's dead reports."""
    slots, dead = [], {}
    for info in old.segments:  # what each old segment still serves: what it did, less what moved
        here = old.stored[info.name]
        gone = old.dead.get(info.name, frozenset()) | {
            d for d in touched if d in here and (d not in entries or entries[d].segment != info.name)}
        if len(gone) < len(here):
            dead[info.name] = frozenset(gone)
            slots.append(_Slot(info.name, set(here).difference(gone), info.chunks - sum(here[d].chunks for d in gone),
                               info.kind, info.chunks, reports=info.reports))
    return slots, dead


def _rewrite(s: _Slot, settings: Settings) -> bool:
    """A carried segment to write again: mostly reports removed since, or a FAISS kind (a changed setting)
    its size no longer gets."""
    stale_kind = effective_kind(s.on_disk, settings.index_kind, settings.ivf_threshold) != s.kind
    return s.carried and (stale_kind or s.size < s.on_disk / 2)


def merge_due(manifest: Manifest, settings: Settings) -> bool:
    """Whether a build would now merge segments of this generation or write one again (see `_merge`): what
    an add leaves for later (`build(merge=False)`), so that the add does not wait for it."""
    slots, _ = _carried(manifest, manifest.reports, ())
    return any(_rewrite(s, settings) for s in slots) or \
        bool(plan_merge([s.size for s in slots], settings.merge_factor, settings.merge_base))


def _merge(slots: list[_Slot], settings: Settings, segment: Callable[[str], Segment]) -> tuple[list[_Slot], int]:
    """Merge segments as `plan_merge` says, and rewrite any that is mostly removed reports or whose FAISS
    kind no longer suits its size (a changed setting). Returns the segments and how many were merged away."""
    merged_away = 0

    def combine(group: list[_Slot]) -> _Slot:
        parts = [(s.seg if s.seg is not None else segment(s.name), s.docs) for s in group]
        merged = Segment.merge(_new_name(), parts, settings.index_kind, settings.ivf_threshold, settings.ivf_nprobe)
        log.info("merged %d segments (%d chunks) into %s", len(group), merged.size, merged.name)
        return _Slot(merged.name, set(merged.docs), merged.size, merged.dense.kind, merged.size, merged, carried=False)

    out = [combine([s]) if _rewrite(s, settings) else s for s in slots]
    while True:
        group = plan_merge([s.size for s in out], settings.merge_factor, settings.merge_base)
        if not group:
            return out, merged_away
        merged_away += len(group)
        merged = combine([out[i] for i in group])
        out = [s for i, s in enumerate(out) if i not in group] + [merged]


# ------------------------------------------------------------------------------------------ loading

def read_manifest(index_dir: Path, reuse: Manifest | None = None) -> Manifest:
    name = _current_name(index_dir)
    if name is None:
        raise IndexMissing(f"No index in {index_dir}. {INDEX_HINT}")
    try:
        with no_gc():
            return Manifest.read(index_dir / name, reuse)
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"The index {name} named in {index_dir / CURRENT} is missing its manifest "
                           f"({Path(exc.filename or '').name}). {REBUILD_HINT}") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexCorrupt(f"The manifest of index {name} is unreadable ({exc}). {REBUILD_HINT}") from exc


def check_files(gen: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there, at the size it was written."""
    for rel, size in manifest.files.items():
        p = gen / rel
        if not p.is_file():
            raise IndexCorrupt(f"The index file {p} is missing. {REBUILD_HINT}")
        if p.stat().st_size != size:
            raise IndexCorrupt(f"The index file {p} is {p.stat().st_size} bytes, {size} expected "
                               f"(truncated or overwritten). {REBUILD_HINT}")


def load(settings: Settings, reuse: Index | None = None, manifest: Manifest | None = None) -> Index:
    """Load the live generation, checking that every file is there and whole. Segments that `reuse` (an
    index loaded before) already holds are taken from it, not read again: they never change. `manifest`:
    the live generation's as the build that wrote it returned it, so it is not read again either."""
    with no_gc():
        return _load(settings, reuse, manifest)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: loading a large index makes millions of objects (chunks,
    entries), none of them garbage, and collections that walk them all took half of loading at 1M chunks."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _load(settings: Settings, reuse: Index | None, manifest: Manifest | None) -> Index:
    index_dir = settings.index_dir
    if manifest is None or manifest.generation != _current_name(index_dir):
        manifest = read_manifest(index_dir, reuse.manifest if reuse is not None else None)
    gen = index_dir / manifest.generation
    check_files(gen, manifest)
    have = {s.name: s for s in reuse.segments} if reuse is not None else {}
    segments = []
    for info in manifest.segments:
        try:
            seg = have.get(info.name) or Segment.load(gen / info.name, nprobe=settings.ivf_nprobe)
        except Exception as exc:  # noqa: BLE001 - any failure to read a checked file is corruption
            raise IndexCorrupt(f"The index {manifest.generation} could not be read ({type(exc).__name__} in "
                               f"{info.name}: {exc}). {REBUILD_HINT}") from exc
        if seg.size != info.chunks or (seg.size and seg.vectors.shape[1] != manifest.dim):
            raise IndexCorrupt(f"The index {manifest.generation} is inconsistent: segment {info.name} holds "
                               f"{seg.size} chunks, {info.chunks} expected. {REBUILD_HINT}")
        segments.append(seg)
    names = {i.name for i in manifest.segments}
    # the others are read from their segment's reports.json: only entries changed since can point elsewhere
    missing = [doc for doc, e in manifest.changed.items() if e.segment not in names]
    if missing:
        raise IndexCorrupt(f"The index {manifest.generation} lists reports in no segment: {', '.join(missing[:5])}. "
                           f"{REBUILD_HINT}")
    return Index(gen, manifest, segments)


# ------------------------------------------------------------------------------------------ staleness

def stale_reasons(manifest: Manifest, prep: Prepared, model_id: str, settings: Settings) -> list[str]:
    """Why the index no longer matches the corpus, model or chunker; empty when it is current."""
    reasons = []
    if manifest.model_id != model_id:
        reasons.append(f"the model changed ({manifest.model_id} -> {model_id})")
    if manifest.chunker_version != CHUNKER_VERSION or manifest.chunk_chars != settings.chunk_chars \
            or manifest.fallback_chunk_chars != settings.fallback_chunk_chars:
        reasons.append("the chunker or its settings changed")
    for seg in manifest.segments:
        want = effective_kind(seg.chunks, settings.index_kind, settings.ivf_threshold)
        if want != seg.kind:
            reasons.append(f"the dense index kind changed ({seg.kind} -> {want} for {seg.chunks:,} chunks)")
            break
    built, now = manifest.reports, prep.entries
    for doc in sorted(set(now) - set(built)):
        reasons.append(f"{doc} is new")
    for doc in sorted(set(built) - set(now)):
        reasons.append(f"{doc} was removed" if doc not in prep.skipped else f"{doc} is now unreadable")
    for doc in sorted(set(now) & set(built)):
        if now[doc].sha256 != built[doc].sha256:
            reasons.append(f"{doc} changed")
        elif now[doc].metadata_hash != built[doc].metadata_hash:
            reasons.append(f"the metadata of {doc} changed")
    return reasons

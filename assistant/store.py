"""The index on disk: build it (incrementally, crash-safely), load it, and tell whether it is stale.

Layout of index/:
    CURRENT              the name of the live generation (replaced atomically)
    gen-<time>-<id>/     one complete index:
        manifest.json    format version, model and dimension, chunker version, a content hash per report,
                         the size of every file below (a truncated file is caught at load)
        chunks.jsonl     one chunk a line, in vector order
        vectors.npy      the chunk embeddings (reused by the next build for unchanged text)
        units.npy        quotable units (a sentence of a prose chunk, or a whole row or score) as
                         (chunk, start, end); unit_vectors.npy their embeddings; unit_tokens.json their
                         stemmed words: computed here so that answering a question costs one query encoding
        dense.faiss      FAISS inner-product index over the vectors
        bm25/            bm25s index over the same chunks
        texts/<doc>      the text the offsets point into, as it was when indexed
    .build-<id>/         a build in progress; renamed to gen-... only when complete
    .lock                held by the one build allowed at a time

A build never touches the live generation: a crash or kill mid-build leaves CURRENT pointing at the
previous, complete index. Leftover build folders are removed by the next build.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import corpus as corpus_mod
from . import metadata as metadata_mod
from . import versions
from .chunk import CHUNKER_VERSION, Chunk, chunk_report
from .dense import Dense, choose_kind
from .embed import Embedder
from .errors import INDEX_HINT, REBUILD_HINT, IndexBusy, IndexCorrupt, IndexMissing
from .extract import normalised_hash
from .lexical import Lexical, tokenize
from .metadata import Metadata
from .parse import Span, parse
from .settings import Settings

log = logging.getLogger(__name__)

# Bump when the files of a generation change shape; an index of another version must be rebuilt.
FORMAT_VERSION = 3
CURRENT = "CURRENT"


@dataclass(frozen=True)
class ReportEntry:
    doc: str
    sha256: str
    size: int
    layout: str
    chunks: int
    metadata: dict[str, Any]
    metadata_hash: str  # metadata goes into the embedded text, so a change re-embeds
    pages: list[int] = field(default_factory=list)  # offsets where PDF pages start
    format: str = "text"
    text_sha256: str = ""  # of the words, whatever the file format: the same report under another name
    first_seen: str = ""  # when this content was first indexed: orders versions with no published date


@dataclass(frozen=True)
class Manifest:
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
    dense_kind: str = "flat"  # flat | ivf | hnsw: what dense.faiss holds

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        data = json.loads(raw)
        if not isinstance(data, dict) or "format_version" not in data:
            raise ValueError("not a manifest")
        if data["format_version"] != FORMAT_VERSION:
            raise IndexCorrupt(f"The index was written in format version {data['format_version']}; this "
                               f"version of the assistant reads version {FORMAT_VERSION}. {REBUILD_HINT}")
        data["reports"] = {k: ReportEntry(**v) for k, v in data["reports"].items()}
        return cls(**data)


@dataclass
class Index:
    """A loaded generation: everything search and answers need, in memory."""

    path: Path
    manifest: Manifest
    chunks: list[Chunk]
    vectors: np.ndarray
    dense: Dense
    lexical: Lexical
    texts: dict[str, str]
    units: np.ndarray  # (n, 3) int64: chunk position, start, end
    unit_vectors: np.ndarray
    unit_tokens: list[frozenset[str]]
    units_of: list[range] = field(default_factory=list)  # chunk position -> its rows in `units`

    def __post_init__(self) -> None:
        if not self.units_of:
            bounds = np.searchsorted(self.units[:, 0], np.arange(len(self.chunks) + 1)) if len(self.units) \
                else np.zeros(len(self.chunks) + 1, dtype=int)
            self.units_of = [range(int(bounds[i]), int(bounds[i + 1])) for i in range(len(self.chunks))]

    def metadata(self, doc: str) -> Metadata:
        return Metadata.from_dict(self.manifest.reports[doc].metadata)


@dataclass(frozen=True)
class BuildResult:
    manifest: Manifest
    embedded: int  # distinct texts (chunks and quotable units) that were new and went through the model
    reused: int  # distinct texts whose vector came from the previous index
    seconds: float
    skipped: dict[str, str]
    chunks: int


# ------------------------------------------------------------------------------------------ preparing

@dataclass(frozen=True)
class Prepared:
    """The corpus as it would be indexed now: reports, their metadata and chunks. No model needed."""

    reports: list[corpus_mod.Report]
    skipped: dict[str, str]
    entries: dict[str, ReportEntry]
    chunks: list[Chunk]


def _hash_json(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def prepare(settings: Settings, first_seen: dict[str, str] | None = None, previous: Index | None = None) -> Prepared:
    """Read, parse and chunk the corpus. The same words under another name or format are indexed once
    (the first by name); a newer CQC report for the same authority and quality statement marks the older
    one superseded. `first_seen` (sha256 -> time) carries when each report was first indexed. With the
    `previous` index, an unchanged report (same bytes, metadata and chunker settings) keeps its chunks
    instead of being parsed again."""
    reports, skipped = corpus_mod.scan(settings.corpus_dir, settings.max_report_bytes)
    overrides = metadata_mod.load_file(settings.corpus_dir)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    seen_text: dict[str, str] = {}
    metas: dict[str, Metadata] = {}
    words_of: dict[str, str] = {}  # report -> hash of its words
    kept = []
    for rep in reports:
        words = normalised_hash(rep.text)
        if words in seen_text:
            skipped.append(corpus_mod.Skipped(rep.doc, f"the same text as {seen_text[words]} (a duplicate under "
                                                       "another name or format)"))
            continue
        seen_text[words] = rep.doc
        metas[rep.doc] = metadata_mod.merge(metadata_mod.detect(rep.text), overrides.get(rep.doc))
        words_of[rep.doc] = words
        kept.append(rep)
    seen_at = {rep.doc: (first_seen or {}).get(rep.sha256, now) for rep in kept}
    for doc, newer in versions.supersessions(metas, seen_at).items():
        metas[doc] = dataclasses.replace(metas[doc], superseded_by=newer)
    entries: dict[str, ReportEntry] = {}
    chunks: list[Chunk] = []
    reusable: dict[str, list[Chunk]] = {}
    if previous is not None and previous.manifest.chunker_version == CHUNKER_VERSION \
            and previous.manifest.chunk_chars == settings.chunk_chars \
            and previous.manifest.fallback_chunk_chars == settings.fallback_chunk_chars:
        for c in previous.chunks:
            reusable.setdefault(c.doc, []).append(c)
    for rep in kept:
        words = words_of[rep.doc]
        md = metas[rep.doc].to_dict()
        old = previous.manifest.reports.get(rep.doc) if previous is not None else None
        if old is not None and rep.doc in reusable and old.sha256 == rep.sha256 and old.metadata_hash == _hash_json(md):
            these, layout = reusable[rep.doc], old.layout
        else:
            parsed = parse(rep.text, settings.fallback_chunk_chars)
            these = chunk_report(rep.doc, rep.sha256, rep.text, parsed, metas[rep.doc], settings.chunk_chars)
            layout = parsed.layout
        if not these:
            skipped.append(corpus_mod.Skipped(rep.doc, "no indexable text found in it"))
            continue
        chunks.extend(these)
        entries[rep.doc] = ReportEntry(rep.doc, rep.sha256, rep.size, layout, len(these), md, _hash_json(md),
                                       list(rep.pages), rep.format, words, seen_at[rep.doc])
    return Prepared([r for r in kept if r.doc in entries], {s.doc: s.reason for s in skipped}, entries, chunks)


# ------------------------------------------------------------------------------------------ building

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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _chunk_to_json(c: Chunk) -> str:
    # by hand, not dataclasses.asdict: asdict deep-copies every span and was most of an incremental build
    d = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}
    d["spans"] = [[s.start, s.end, s.cell, s.glue] for s in c.spans]
    return json.dumps(d, ensure_ascii=False)


def _chunk_from_json(line: str) -> Chunk:
    d = json.loads(line)
    d["spans"] = tuple(Span(*s) for s in d["spans"])
    d["section"] = tuple(d["section"])
    d["columns"] = tuple(d["columns"])
    d["sentences"] = tuple(tuple(x) for x in d["sentences"])
    return Chunk(**d)


def build(settings: Settings, embedder: Embedder, rebuild: bool = False, progress: bool = False,
          on_step: Callable[[str], None] | None = None) -> BuildResult:
    """Index the corpus. Unchanged chunk text reuses its vector from the live index (unless `rebuild`);
    the new generation replaces the live one atomically at the end.

    >>> build(Settings.from_env(), SentenceTransformerEmbedder(bundled_model_path())).chunks
    """
    t0 = time.perf_counter()
    step = on_step or (lambda _s: None)
    index_dir = settings.index_dir
    with build_lock(index_dir):
        previous = _current_name(index_dir)
        clean_leftovers(index_dir, keep_previous=previous)
        step("prepare")
        old = None
        if previous:
            try:
                old = load(settings)
            except (IndexMissing, IndexCorrupt) as exc:
                log.warning("previous index not reusable, embedding everything: %s", exc)
        first_seen = {e.sha256: e.first_seen for e in old.manifest.reports.values() if e.first_seen} if old else {}
        prep = prepare(settings, first_seen, old if not rebuild else None)

        cache: dict[str, np.ndarray] = {}
        old_tokens: dict[str, frozenset[str]] = {}
        if old is not None and not rebuild and old.manifest.model_id == embedder.model_id:
            cache = {_text_key(c.embed_text): old.vectors[i] for i, c in enumerate(old.chunks)}
            for j, u in enumerate(quotables(old.chunks)):
                key = _text_key(u[3])
                cache[key] = old.unit_vectors[j]
                old_tokens[key] = old.unit_tokens[j]

        texts = [c.embed_text for c in prep.chunks]
        units = quotables(prep.chunks)
        all_texts = texts + [u[3] for u in units]
        keys = [_text_key(t) for t in all_texts]
        todo_keys: dict[str, str] = {}
        for k, t in zip(keys, all_texts, strict=True):
            if k not in cache and k not in todo_keys:
                todo_keys[k] = t
        step("embed")
        log.info("embedding %d new texts (%d chunks and %d quotable units in all)", len(todo_keys), len(texts),
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
        unit_tokens = [sorted(old_tokens[k]) if i not in new_tokens else new_tokens[i]
                       for i, k in enumerate(unit_keys)]
        n_new = len(todo_keys)
        n_reused = len(set(keys)) - n_new

        step("write")
        tmp = index_dir / f".build-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        _write(tmp / "chunks.jsonl", "".join(_chunk_to_json(c) + "\n" for c in prep.chunks).encode())
        for name, arr in (("vectors.npy", vectors), ("units.npy", unit_rows), ("unit_vectors.npy", unit_vectors)):
            with open(tmp / name, "wb") as fh:
                np.save(fh, arr)
                fh.flush()
                os.fsync(fh.fileno())
        _write(tmp / "unit_tokens.json", json.dumps([sorted(set(t)) for t in unit_tokens]).encode())
        same_model = old is not None and not rebuild and old.manifest.model_id == embedder.model_id
        trained = old.dense.trained_ivf() if same_model else None  # k-means lists reused, not re-trained
        dense = Dense.build(vectors, settings.index_kind, settings.ivf_threshold, settings.ivf_nprobe,
                            trained=trained)
        dense.save(tmp / "dense.faiss")
        Lexical.build([c.context + "\n" + c.text for c in prep.chunks]).save(tmp / "bm25")
        (tmp / "texts").mkdir()
        for rep in prep.reports:
            _write(tmp / "texts" / rep.doc, rep.text.encode("utf-8"))
        files = {str(p.relative_to(tmp)): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        generation = f"gen-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        manifest = Manifest(
            format_version=FORMAT_VERSION, generation=generation,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"), model_id=embedder.model_id, dim=dim,
            chunker_version=CHUNKER_VERSION, chunk_chars=settings.chunk_chars,
            fallback_chunk_chars=settings.fallback_chunk_chars, reports=prep.entries,
            skipped=prep.skipped, files=files, dense_kind=dense.kind)
        _write(tmp / "manifest.json", manifest.to_json().encode())
        _fsync_dir(tmp)

        step("swap")
        final = index_dir / generation
        tmp.rename(final)
        pointer = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        _write(pointer, generation.encode())
        os.replace(pointer, index_dir / CURRENT)
        _fsync_dir(index_dir)
        clean_leftovers(index_dir, keep_previous=previous)
        seconds = time.perf_counter() - t0
        log.info("built %s: %d reports, %d chunks, %d texts embedded in %.1fs", generation, len(prep.entries),
                 len(texts), n_new, seconds)
        return BuildResult(manifest, n_new, n_reused, seconds, prep.skipped, len(texts))


# ------------------------------------------------------------------------------------------ loading

def read_manifest(index_dir: Path) -> Manifest:
    name = _current_name(index_dir)
    if name is None:
        raise IndexMissing(f"No index in {index_dir}. {INDEX_HINT}")
    path = index_dir / name / "manifest.json"
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"The index {name} named in {index_dir / CURRENT} is missing its manifest. "
                           f"{REBUILD_HINT}") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexCorrupt(f"The manifest of index {name} is unreadable ({exc}). {REBUILD_HINT}") from exc


def load(settings: Settings) -> Index:
    """Load the live generation, checking that every file is there and whole."""
    index_dir = settings.index_dir
    manifest = read_manifest(index_dir)
    gen = index_dir / manifest.generation
    for rel, size in manifest.files.items():
        p = gen / rel
        if not p.is_file():
            raise IndexCorrupt(f"The index file {p} is missing. {REBUILD_HINT}")
        if p.stat().st_size != size:
            raise IndexCorrupt(f"The index file {p} is {p.stat().st_size} bytes, {size} expected "
                               f"(truncated or overwritten). {REBUILD_HINT}")
    try:
        chunks = [_chunk_from_json(line) for line in
                  (gen / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
        # memory-mapped: answers touch only their candidates' rows, so a large index costs no RAM twice
        # (viewed as plain arrays: the memmap subclass costs microseconds on every row taken)
        vectors = np.load(gen / "vectors.npy", allow_pickle=False, mmap_mode="r").view(np.ndarray)
        dense = Dense.load(gen / "dense.faiss", nprobe=settings.ivf_nprobe)
        lexical = Lexical.load(gen / "bm25", len(chunks))
        texts = {doc: (gen / "texts" / doc).read_text(encoding="utf-8") for doc in manifest.reports}
        units = np.load(gen / "units.npy", allow_pickle=False)
        unit_vectors = np.load(gen / "unit_vectors.npy", allow_pickle=False, mmap_mode="r").view(np.ndarray)
        unit_tokens = [frozenset(t) for t in json.loads((gen / "unit_tokens.json").read_text(encoding="utf-8"))]
    except Exception as exc:  # noqa: BLE001 - any failure to read a checked file is corruption
        raise IndexCorrupt(f"The index {manifest.generation} could not be read ({type(exc).__name__}: "
                           f"{exc}). {REBUILD_HINT}") from exc
    if not (len(chunks) == len(vectors) == dense.size) or (len(vectors) and vectors.shape[1] != manifest.dim) \
            or not (len(units) == len(unit_vectors) == len(unit_tokens)):
        raise IndexCorrupt(f"The index {manifest.generation} is inconsistent: {len(chunks)} chunks, "
                           f"{len(vectors)} vectors, {dense.size} in FAISS, {len(units)} units. {REBUILD_HINT}")
    return Index(gen, manifest, chunks, vectors, dense, lexical, texts, units, unit_vectors, unit_tokens)


# ------------------------------------------------------------------------------------------ staleness

def stale_reasons(manifest: Manifest, prep: Prepared, model_id: str, settings: Settings) -> list[str]:
    """Why the index no longer matches the corpus, model or chunker; empty when it is current."""
    reasons = []
    if manifest.model_id != model_id:
        reasons.append(f"the model changed ({manifest.model_id} -> {model_id})")
    if manifest.chunker_version != CHUNKER_VERSION or manifest.chunk_chars != settings.chunk_chars \
            or manifest.fallback_chunk_chars != settings.fallback_chunk_chars:
        reasons.append("the chunker or its settings changed")
    want = choose_kind(len(prep.chunks), settings.index_kind, settings.ivf_threshold)
    if len(prep.chunks) >= 1000 and want != manifest.dense_kind:
        reasons.append(f"the dense index kind changed ({manifest.dense_kind} -> {want})")
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

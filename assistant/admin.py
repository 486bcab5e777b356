"""The admin side: checking uploads, adding reports under safe names, editing metadata, removing reports.

Nothing here loses data: uploads never overwrite (files are created exclusively), metadata.json is replaced
atomically, and a removed report is moved to corpus/.removed/ with its metadata entry, not deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import corpus as corpus_mod
from . import metadata as metadata_mod
from .chunk import chunk_report
from .corpus import REPORT_SUFFIXES
from .errors import AssistantError
from .extract import TEXT_SUFFIXES, ExtractError, extract, normalised_hash
from .metadata import EDITABLE_FIELDS, KINDS, OVERALL_RATINGS
from .parse import parse
from .settings import Settings

log = logging.getLogger(__name__)

REMOVED_DIR = ".removed"


class AdminError(AssistantError):
    """An admin action refused, with the reason in words the admin can act on."""


class AccessDenied(AdminError):
    pass


# ------------------------------------------------------------------------------------------ access

class AdminGate:
    """Checks the admin password (from ASSISTANT_ADMIN_PASSWORD), per client address: a client's wrong
    passwords past `free_failures` within `window` seconds lock that client out for 1, 2, 4 ... up to
    `max_delay` seconds, refused at once (nothing sleeps, so no admin action waits behind someone's failures and
    a correct password from another address is never slowed). An empty password is asked for, not counted."""

    def __init__(self, password: str, free_failures: int = 5, max_delay: float = 60.0, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic):
        self._password = password
        self._failures: dict[str, list[float]] = {}  # client -> times of its recent failures
        self._locked: dict[str, float] = {}  # client -> until when
        self._lock = threading.Lock()
        self.free_failures = free_failures
        self.max_delay = max_delay
        self.window = window
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return bool(self._password)

    def check(self, password: str | None, client: str = "local") -> None:
        if not self.enabled:
            raise AccessDenied("The admin area is disabled: set ASSISTANT_ADMIN_PASSWORD in the environment "
                               "and restart the app to enable it.")
        if not password:
            raise AccessDenied("Enter the admin password.")
        with self._lock:
            now = self._clock()
            until = self._locked.get(client, 0.0)
            if until > now:
                raise AccessDenied(f"Too many wrong admin passwords from {client}: try again in "
                                   f"{math.ceil(until - now)} s.")
        ok = hmac.compare_digest(password.encode(), self._password.encode())
        with self._lock:
            if ok:
                self._failures.pop(client, None)
                self._locked.pop(client, None)
                return
            recent = [t for t in self._failures.get(client, []) if now - t < self.window] + [now]
            self._failures[client] = recent
            extra = len(recent) - self.free_failures
            wait = min(self.max_delay, 2.0 ** (extra - 1)) if extra > 0 and self.max_delay > 0 else 0.0
            if wait:
                self._locked[client] = now + wait
            if len(self._failures) > 10_000:  # forget clients whose failures are old
                self._failures = {c: ts for c, ts in self._failures.items() if now - ts[-1] < self.window}
                self._locked = {c: u for c, u in self._locked.items() if u > now}
        raise AccessDenied("Wrong admin password." + (f" Locked out for {math.ceil(wait)} s after {len(recent)} "
                                                      "wrong tries." if wait else ""))


# ------------------------------------------------------------------------------------------ uploads

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, suffixes: tuple[str, ...] = REPORT_SUFFIXES) -> str:
    """A file name that cannot escape corpus/ or hide anything: the last path component only, unicode
    folded to ASCII, no control characters, no leading dots, a known extension, at most 100 characters."""
    base = re.split(r"[\\/]", name.replace("\x00", ""))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = "." + ext.lower() if ext else ""
    if ext not in suffixes:
        raise AdminError(f"{name!r} is not a supported report type; upload {', '.join(suffixes)} files.")
    stem = _SAFE.sub("-", stem).strip("-._")[:90] or "report"
    return stem + ext


@dataclass
class UploadCheck:
    """What an admin sees before adding a file: what was detected, or why it cannot be added."""

    original: str
    name: str  # the safe name it would get in corpus/
    ok: bool
    reason: str = ""
    data: bytes = field(default=b"", repr=False)
    sha256: str = ""
    layout: str = ""
    chunks: int = 0
    sections: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = ""
    pages: int = 0
    unindexed: bool = False  # its content is in corpus/ already, under `name`, but not in the index: add indexes it


def _existing(settings: Settings, indexed: Mapping[str, Any] | None) -> tuple[dict[str, str], dict[str, str]]:
    """Reports in the corpus by hash of their bytes and of their words. A file the index (`indexed`: its
    report entries) holds at the same size and time is not read again."""
    by_bytes: dict[str, str] = {}
    by_words: dict[str, str] = {}
    files, others = corpus_mod.list_files(settings.corpus_dir)
    for s in others:  # not reports, but the same bytes uploaded again are still a repeat
        by_bytes[hashlib.sha256((settings.corpus_dir / s.doc).read_bytes()).hexdigest()] = s.doc
    folder = str(settings.corpus_dir)
    for name in files:
        e = indexed.get(name) if indexed else None
        st = os.stat(os.path.join(folder, name))
        if e is not None and corpus_mod.unchanged_since(st, e.size, e.mtime_ns, e.checked_ns):
            by_bytes[e.sha256] = name
            by_words.setdefault(e.text_sha256, name)
            continue
        p = settings.corpus_dir / name
        got = corpus_mod.read_report(p, settings.max_report_bytes)
        if isinstance(got, corpus_mod.Skipped):
            by_bytes[hashlib.sha256(p.read_bytes()).hexdigest()] = name
            continue
        by_bytes[got.sha256] = name
        by_words.setdefault(normalised_hash(got.text), name)  # the first by name is the one indexed
    return by_bytes, by_words


def _free_name(corpus_dir: Path, name: str, taken: set[str]) -> str:
    stem, ext = os.path.splitext(name)
    candidate, n = name, 1
    while (corpus_dir / candidate).exists() or candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{ext}"
    return candidate


def _duplicate(key: str, existing: dict[str, str], seen: dict[str, str], why: str, what: str) -> str | None:
    """Why an upload repeats a report already in the corpus or earlier in the same upload, or None."""
    if key in existing:
        return f"already in the corpus as {existing[key]} ({why})"
    if key in seen:
        return f"the same {what} as {seen[key]} in this upload"
    return None


def check_uploads(settings: Settings, files: list[tuple[str, bytes] | tuple[str, bytes, int]],
                  indexed: Mapping[str, Any] | None = None) -> list[UploadCheck]:
    """Validate uploads (any supported format; each (name, bytes) or (name, bytes, size on disk) when the bytes
    were read only up to the limit), extract their text, and detect metadata, sections and chunk count.
    Refuses content already in the corpus, by bytes or by words. Writes nothing. `indexed`:
    the live index's report entries, so unchanged reports are not read to compare."""
    existing, existing_words = _existing(settings, indexed)
    checks: list[UploadCheck] = []
    taken: set[str] = set()
    seen: dict[str, str] = {}
    for original, data, *on_disk in files:
        size = on_disk[0] if on_disk else len(data)  # (a large file is read no further than the limit)
        try:
            name = safe_name(original)
        except AdminError as exc:
            checks.append(UploadCheck(original, "", False, str(exc)))
            continue
        if max(size, len(data)) > settings.max_upload_bytes:
            checks.append(UploadCheck(original, name, False, f"too large ({max(size, len(data)):,} bytes; uploads "
                                      f"are limited to {settings.max_upload_bytes:,}, set by "
                                      "ASSISTANT_MAX_UPLOAD_BYTES)"))
            continue
        if name.endswith(TEXT_SUFFIXES):
            reason = corpus_mod.check_bytes(name, data, settings.max_upload_bytes)
            if reason:
                checks.append(UploadCheck(original, name, False, reason))
                continue
        elif not data.strip():
            checks.append(UploadCheck(original, name, False, "empty (no text in it)"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        stored = existing.get(digest)
        # the same bytes in corpus/ but not in the index (an upload or `add` that stopped before indexing):
        # adding it again indexes that file rather than refusing it
        unindexed = stored is not None and indexed is not None and stored not in indexed and \
            stored.lower().endswith(REPORT_SUFFIXES) and digest not in seen
        dup = None if unindexed else _duplicate(digest, existing, seen, "same content", "content")
        if dup:
            checks.append(UploadCheck(original, name, False, dup))
            continue
        try:
            got = extract(name, data)
        except ExtractError as exc:
            checks.append(UploadCheck(original, name, False, str(exc)))
            continue
        words = normalised_hash(got.text)
        dup = None if unindexed else _duplicate(words, existing_words, seen,
                                                "the same text in another file or format", "text")
        if dup:
            checks.append(UploadCheck(original, name, False, dup))
            continue
        seen[digest] = seen[words] = original
        name = stored if unindexed else _free_name(settings.corpus_dir, name, taken)
        taken.add(name)
        meta = metadata_mod.detect(got.text)
        parsed = parse(got.text, settings.fallback_chunk_chars)
        chunks = chunk_report(name, digest, got.text, parsed, meta, settings.chunk_chars)
        if not chunks:
            checks.append(UploadCheck(original, name, False, "no indexable text found in it"))
            continue
        sections = [" > ".join(h.path) for h in parsed.headings]
        md = {k: getattr(meta, k) for k in EDITABLE_FIELDS}
        checks.append(UploadCheck(original, name, True, "", data, digest, parsed.layout, len(chunks), sections, md,
                                  got.format, len(got.pages), unindexed))
    return checks


_META_LOCK = threading.Lock()


def _write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def clean_metadata(entry: dict[str, Any]) -> dict[str, Any]:
    """An admin's metadata edits, validated: known fields only, kind and score checked, blanks dropped."""
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if key not in EDITABLE_FIELDS:
            continue
        if value is None or (isinstance(value, str) and not value.strip()) or \
                (isinstance(value, float) and value != value):  # NaN from an empty table cell
            continue
        if key == "score":
            try:
                value = int(float(value))
            except (TypeError, ValueError) as exc:
                raise AdminError(f"score {value!r} must be 1, 2, 3 or 4.") from exc
            if value not in (1, 2, 3, 4):
                raise AdminError(f"score {value!r} must be 1, 2, 3 or 4.")
        elif key == "kind":
            if value not in KINDS:
                raise AdminError(f"kind {value!r} must be one of: {', '.join(KINDS)}.")
        elif key == "overall_rating":
            if value not in OVERALL_RATINGS:
                raise AdminError(f"overall rating {value!r} must be one of: {', '.join(OVERALL_RATINGS)}.")
        else:
            value = str(value).strip()[:500]
        out[key] = value
    return out


def update_metadata(corpus_dir: Path, doc: str, entry: dict[str, Any] | None) -> None:
    """Set (or with None, drop) one report's entry in corpus/metadata.json, atomically."""
    with _META_LOCK:
        path = corpus_dir / corpus_mod.METADATA_FILE
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"reports": {}}
        reports = data.setdefault("reports", {})
        if entry:
            reports[doc] = entry
        else:
            reports.pop(doc, None)
        _write_json_atomic(path, data)


def add_reports(settings: Settings, checks: list[UploadCheck],
                metadata_edits: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Write the accepted uploads into corpus/ (never overwriting) with their corrected metadata. Every check
    comes first (all metadata edits validated before any file is written); a failure while writing takes out
    what this call wrote. A report already in the corpus but not yet indexed (`UploadCheck.unindexed`) is not
    written again. Returns the names to index. The caller re-indexes, and on failure calls `take_back`."""
    edits = metadata_edits or {}
    accepted = [c for c in checks if c.ok]
    entries = {c.name: clean_metadata(edits.get(c.name, {})) for c in accepted}  # raises before any write
    written: list[str] = []
    try:
        for c in accepted:
            detected = {k: v for k, v in c.metadata.items() if v is not None}
            overrides = {k: v for k, v in entries[c.name].items() if detected.get(k) != v}
            if c.unindexed:  # in corpus/ already: only its corrected metadata is written
                if overrides:
                    update_metadata(settings.corpus_dir, c.name, overrides)
                continue
            path = settings.corpus_dir / c.name
            try:
                _write_new(path, c.data)
            except FileExistsError as exc:  # someone else's file: not ours to take back
                raise AdminError(f"{c.name} appeared in the corpus meanwhile; check the files again.") from exc
            except BaseException:
                written.append(c.name)  # what this call wrote of it goes again
                raise
            written.append(c.name)
            if overrides:
                update_metadata(settings.corpus_dir, c.name, overrides)
            log.info("added report %s (%d bytes)", c.name, len(c.data))
    except BaseException:
        take_back(settings, written)
        raise
    return [c.name for c in accepted]


def _write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet (FileExistsError if it does: nothing is ever overwritten), flushed
    to disk."""
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def take_back(settings: Settings, names: list[str]) -> None:
    """Undo `add_reports` for these files (an upload whose indexing failed): the files and their metadata
    entries go, so the corpus is as it was and the same upload can be tried again."""
    for name in names:
        try:
            (settings.corpus_dir / name).unlink(missing_ok=True)
            update_metadata(settings.corpus_dir, name, None)
        except OSError:
            log.exception("could not take back %s after a failed add", name)


# What a removal keeps beside the file: its metadata.json entry (restored with it) and what the report was, so
# the list of removed reports can name it without reading it
_SIDECAR = ".metadata.json"
_STAMPED = re.compile(r"^(?P<stamp>\d{8}T\d{6})(?:\.(?P<n>\d+))?-(?P<doc>[^/\\]+)$")


@dataclass(frozen=True)
class RemovedReport:
    """A report taken out of the index and kept in corpus/.removed/, restorable."""

    name: str  # its file name in corpus/.removed/ ("20261125T031502-camden.txt"): what `restore_report` takes
    doc: str  # its name in the corpus, which it gets back
    removed_at: str  # ISO 8601, UTC
    shown: dict[str, Any]  # title, authority, kind, quality statement, score as indexed when it was removed

    def label(self) -> str:
        who = " · ".join(str(v) for v in (self.shown.get("title"), self.shown.get("authority")) if v)
        return f"{who or self.doc} ({self.doc}), removed {self.removed_at.replace('T', ' ')[:16]} UTC"


def remove_report(settings: Settings, doc: str, shown: Mapping[str, Any] | None = None) -> Path:
    """Move a report out of the index's way into corpus/.removed/, keeping its metadata entry beside it (and
    `shown`: what it was, for the list of removed reports)."""
    path = settings.corpus_dir / doc
    if doc != Path(doc).name or doc.startswith(".") or not path.is_file() or doc == corpus_mod.METADATA_FILE:
        raise AdminError(f"There is no report named {doc!r} in the corpus.")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    dest_dir = settings.corpus_dir / REMOVED_DIR
    dest_dir.mkdir(exist_ok=True)
    dest, n = dest_dir / f"{stamp}-{doc}", 1
    while dest.exists() or dest.with_name(dest.name + _SIDECAR).exists():  # removed again within the second
        n += 1
        dest = dest_dir / f"{stamp}.{n}-{doc}"
    entry = metadata_mod.load_file(settings.corpus_dir).get(doc)
    _write_json_atomic(dest.with_name(dest.name + _SIDECAR), {"metadata": entry or {}, "shown": dict(shown or {})})
    os.replace(path, dest)
    update_metadata(settings.corpus_dir, doc, None)
    log.info("removed report %s to %s", doc, dest)
    return dest


def _sidecar(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(metadata entry, what it was) kept beside a removed report; an older removal kept the entry alone."""
    try:
        data = json.loads(path.with_name(path.name + _SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    if isinstance(data, dict) and set(data) <= {"metadata", "shown"} and data:
        return dict(data.get("metadata") or {}), dict(data.get("shown") or {})
    return (data if isinstance(data, dict) else {}), {}


def removed_reports(settings: Settings) -> list[RemovedReport]:
    """The reports kept in corpus/.removed/, the latest removal first."""
    folder = settings.corpus_dir / REMOVED_DIR
    out = []
    for p in folder.iterdir() if folder.is_dir() else ():
        m = _STAMPED.match(p.name)
        if not m or p.name.endswith(_SIDECAR) or not p.is_file():
            continue
        entry, shown = _sidecar(p)
        shown = {k: v for k, v in {**entry, **shown}.items() if k in EDITABLE_FIELDS and v not in (None, "")}
        when = datetime.strptime(m.group("stamp"), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        out.append(RemovedReport(p.name, m.group("doc"), when.isoformat(timespec="seconds").replace("+00:00", "Z"),
                                 shown))
    return sorted(out, key=lambda r: (r.removed_at, r.name), reverse=True)


def restore_report(settings: Settings, name: str, indexed: Mapping[str, Any] | None = None) -> str:
    """Put a removed report back into the corpus under its name, with its metadata entry. Returns that name.
    Refused when a report of that name, or of the same text, is in the corpus now (`indexed`: the live index's
    report entries, so unchanged reports are not read to compare). The caller re-indexes."""
    found = {r.name: r for r in removed_reports(settings)}
    r = found.get(name)
    if r is None:
        raise AdminError(f"There is no removed report named {name!r}; the removed reports are listed by "
                         "`python -m assistant restore` and on the Admin page.")
    src = settings.corpus_dir / REMOVED_DIR / name
    dest = settings.corpus_dir / r.doc
    if dest.exists():
        raise AdminError(f"A report named {r.doc} is in the corpus now; remove it first to restore this version.")
    data = src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    by_bytes, by_words = _existing(settings, indexed)
    same = by_bytes.get(digest)
    if same is None:
        got = corpus_mod.read_report(src, settings.max_report_bytes)
        same = None if isinstance(got, corpus_mod.Skipped) else by_words.get(normalised_hash(got.text))
    if same is not None:
        raise AdminError(f"{r.doc} is already in the corpus as {same} (the same text); nothing to restore.")
    entry, _ = _sidecar(src)
    try:
        _write_new(dest, data)
    except FileExistsError as exc:
        raise AdminError(f"A report named {r.doc} appeared in the corpus meanwhile; nothing was restored.") from exc
    if entry:
        update_metadata(settings.corpus_dir, r.doc, entry)
    os.unlink(src)
    side = src.with_name(src.name + _SIDECAR)
    if side.exists():
        side.unlink()
    log.info("restored report %s from %s", r.doc, src)
    return r.doc

"""Reading reports: find the files in corpus/, check they are usable text, decode them exactly once.

Offsets everywhere in the assistant index the text this module returns: the file's bytes decoded as
UTF-8 with universal newlines (what Python's `Path.read_text(encoding="utf-8")` gives), so anyone can
check a citation with `path.read_text(encoding="utf-8")[start:end]`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .extract import SUFFIXES, TEXT_SUFFIXES, ExtractError, extract

log = logging.getLogger(__name__)

# Kinds of file read as reports. Others in corpus/ are skipped with a warning (metadata.json and dotfiles
# silently).
REPORT_SUFFIXES = SUFFIXES
METADATA_FILE = "metadata.json"
# Text extracted from PDF, HTML and Word reports, stored beside them: what their citations point into.
TEXT_DIR = ".text"


@dataclass(frozen=True)
class Report:
    """One report as indexed: its file name in corpus/ is its id (`doc`)."""

    doc: str
    text: str
    sha256: str  # of the file's bytes: an unchanged report is never re-parsed into new vectors
    size: int
    pages: tuple[int, ...] = ()  # offset where each page starts (PDF); empty otherwise
    format: str = "text"


@dataclass(frozen=True)
class Skipped:
    """A file in corpus/ that was not indexed, and why, in words a user can act on."""

    doc: str
    reason: str


# A file modified this close to when it was hashed may change again within the same clock tick, so its size
# and time are not trusted to mean "unchanged" (git's "racily clean" entries): it is hashed again.
RACY_NS = 2_000_000_000


def unchanged_since(st: os.stat_result, size: int, mtime_ns: int, checked_ns: int) -> bool:
    """Whether a file whose stat is `st` is, by size and time, still the one hashed at `checked_ns` when it
    had this size and modification time."""
    return st.st_size == size and st.st_mtime_ns == mtime_ns and st.st_mtime_ns < checked_ns - RACY_NS


def decode_text(data: bytes) -> str:
    """Strict UTF-8 with universal newlines, exactly as `Path.read_text(encoding="utf-8")`."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


# Control characters other than tab, newline, carriage return and form feed.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def check_bytes(name: str, data: bytes, max_bytes: int) -> str | None:
    """Why these bytes are not a usable report, or None if they are."""
    if len(data) > max_bytes:
        return (f"too large ({len(data):,} bytes; the limit is {max_bytes:,}, "
                "set by ASSISTANT_MAX_REPORT_BYTES)")
    if not data.strip():
        return "empty (no text in it)"
    if b"\x00" in data:
        return "binary (contains NUL bytes), not a text report; export it as UTF-8 text"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "re-save it as UTF-8 text")
    # Control characters other than tab/newline/form feed mean this is not prose.
    controls = len(_CONTROLS.findall(text))
    if controls > max(8, len(text) // 100):
        return f"binary ({controls} control characters), not a text report"
    return None


def read_report(path: Path, max_bytes: int) -> Report | Skipped:
    """A report file as text: decoded (text formats) or extracted (PDF, HTML, Word; cached in .text/)."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in TEXT_SUFFIXES:
        reason = check_bytes(path.name, data, max_bytes)
        if reason:
            return Skipped(path.name, reason)
        return Report(path.name, decode_text(data), digest, len(data))
    if len(data) > max_bytes:
        return Skipped(path.name, f"too large ({len(data):,} bytes; the limit is {max_bytes:,}, set by "
                                  "ASSISTANT_MAX_REPORT_BYTES)")
    if not data.strip():
        return Skipped(path.name, "empty (no text in it)")
    cached = _cached_text(path, digest)
    if cached is not None:
        return cached
    try:
        got = extract(path.name, data)
    except ExtractError as exc:
        return Skipped(path.name, str(exc))
    report = Report(path.name, got.text, digest, len(data), got.pages, got.format)
    _store_text(path, report)
    return report


def text_path(corpus_dir: Path, doc: str) -> Path:
    return corpus_dir / TEXT_DIR / f"{doc}.txt"


def _cached_text(path: Path, digest: str) -> Report | None:
    meta = path.parent / TEXT_DIR / f"{path.name}.json"
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("sha256") != digest:
            return None
        text = text_path(path.parent, path.name).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    return Report(path.name, text, digest, path.stat().st_size, tuple(info.get("pages", ())), info.get("format", ""))


def _store_text(path: Path, report: Report) -> None:
    """Keep the extracted text beside the report (corpus/.text/): citations point into it, so it must not
    depend on a library version re-extracting it later. Best effort: a read-only corpus still indexes."""
    folder = path.parent / TEXT_DIR
    try:
        folder.mkdir(exist_ok=True)
        for name, content in ((f"{path.name}.txt", report.text),
                              (f"{path.name}.json", json.dumps({"sha256": report.sha256, "pages": report.pages,
                                                                "format": report.format}))):
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            # newline="" keeps the text byte for byte as extracted (no newline translation either way)
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
            os.replace(tmp, folder / name)
    except OSError as exc:
        log.warning("could not store the extracted text of %s: %s", path.name, exc)


def list_files(corpus_dir: Path) -> tuple[list[str], list[Skipped]]:
    """The names of the report files in corpus_dir, sorted (not read), and the files skipped by type. Names,
    not paths: making a Path costs more than the stat that follows, which counts at tens of thousands."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"The corpus folder {corpus_dir} does not exist. Create it and put reports in it, "
                          "or set ASSISTANT_CORPUS_DIR.")
    files: list[str] = []
    skipped: list[Skipped] = []
    with os.scandir(corpus_dir) as it:
        found = sorted((e.name, e.is_file()) for e in it)
    for name, is_file in found:
        if name.startswith(".") or name == METADATA_FILE or not is_file:
            continue
        suffix = os.path.splitext(name)[1]
        if name.lower().endswith(".part") or suffix.lower() not in REPORT_SUFFIXES:
            skipped.append(Skipped(name, f"unsupported file type {suffix or '(none)'!r}; "
                                         f"reports are {', '.join(REPORT_SUFFIXES)}"))
            continue
        files.append(name)
    return files, skipped


def scan(corpus_dir: Path, max_bytes: int) -> tuple[list[Report], list[Skipped]]:
    """All reports in corpus_dir, sorted by file name, and the files skipped with the reason."""
    files, skipped = list_files(corpus_dir)
    reports: list[Report] = []
    for name in files:
        result = read_report(corpus_dir / name, max_bytes)
        if isinstance(result, Skipped):
            skipped.append(result)
        else:
            reports.append(result)
    for s in skipped:
        log.warning("skipped %s: %s", s.doc, s.reason)
    return reports, skipped

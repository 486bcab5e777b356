"""Reading reports: find the files in corpus/, check they are usable text, decode them exactly once.

Offsets everywhere in the assistant index the text this module returns: the file's bytes decoded as
UTF-8 with universal newlines (what Python's `Path.read_text(encoding="utf-8")` gives), so anyone can
check a citation with `path.read_text(encoding="utf-8")[start:end]`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError

log = logging.getLogger(__name__)

# Kinds of file read as reports. Others in corpus/ are skipped with a warning (metadata.json and dotfiles
# silently).
REPORT_SUFFIXES = (".txt", ".md")
METADATA_FILE = "metadata.json"


@dataclass(frozen=True)
class Report:
    """One report as indexed: its file name in corpus/ is its id (`doc`)."""

    doc: str
    text: str
    sha256: str  # of the file's bytes: an unchanged report is never re-parsed into new vectors
    size: int


@dataclass(frozen=True)
class Skipped:
    """A file in corpus/ that was not indexed, and why, in words a user can act on."""

    doc: str
    reason: str


def decode_text(data: bytes) -> str:
    """Strict UTF-8 with universal newlines, exactly as `Path.read_text(encoding="utf-8")`."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


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
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        return f"binary ({controls} control characters), not a text report"
    return None


def read_report(path: Path, max_bytes: int) -> Report | Skipped:
    data = path.read_bytes()
    reason = check_bytes(path.name, data, max_bytes)
    if reason:
        return Skipped(path.name, reason)
    return Report(path.name, decode_text(data), hashlib.sha256(data).hexdigest(), len(data))


def scan(corpus_dir: Path, max_bytes: int) -> tuple[list[Report], list[Skipped]]:
    """All reports in corpus_dir, sorted by file name, and the files skipped with the reason."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"The corpus folder {corpus_dir} does not exist. Create it and put reports in it, "
                          "or set ASSISTANT_CORPUS_DIR.")
    reports: list[Report] = []
    skipped: list[Skipped] = []
    for path in sorted(corpus_dir.iterdir()):
        name = path.name
        if name.startswith(".") or name == METADATA_FILE:
            continue
        if not path.is_file():
            continue
        if path.suffix.lower() not in REPORT_SUFFIXES:
            skipped.append(Skipped(name, f"unsupported file type {path.suffix or '(none)'!r}; "
                                         f"reports are {', '.join(REPORT_SUFFIXES)}"))
            continue
        result = read_report(path, max_bytes)
        if isinstance(result, Skipped):
            skipped.append(result)
        else:
            reports.append(result)
    for s in skipped:
        log.warning("skipped %s: %s", s.doc, s.reason)
    return reports, skipped

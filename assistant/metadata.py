"""Report metadata: detected from the text where it is there, then filled and overridden by corpus/metadata.json.

A report with no entry in the file still indexes with what was detected; `status` shows what is unknown.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .errors import CorpusError

CQC_ASSESSMENT = "CQC assessment"
COUNCIL_PLAN = "council plan"
KINDS = (CQC_ASSESSMENT, COUNCIL_PLAN)

# CQC's nine quality statements for local authority assessments.
QUALITY_STATEMENTS = (
    "Assessing needs",
    "Supporting people to lead healthier lives",
    "Equity in experiences and outcomes",
    "Care provision, integration and continuity",
    "Partnerships and communities",
    "Safe pathways, systems and transitions",
    "Safeguarding",
    "Governance, management and sustainability",
    "Learning, improvement and innovation",
)

# CQC's meaning of each score, as the reports print it after "N - ".
SCORE_DESCRIPTORS = {
    1: "Evidence shows significant shortfalls",
    2: "Evidence shows some shortfalls",
    3: "Evidence shows a good standard",
    4: "Evidence shows an exceptional standard",
}

_ASSESSMENT_TITLE = re.compile(r"^\s*(?P<authority>.+?):\s*local authority assessment\s*$", re.I | re.M)
_COUNCIL_NAME = re.compile(
    r"\b(?P<authority>(?:London Borough of [A-Z][\w'-]*(?: [A-Z][\w'-]*)*)"
    r"|(?:[A-Z][\w'-]*(?: (?:and )?[A-Z][\w'-]*)* (?:County|City|Borough|District|Metropolitan Borough) Council))"
)
_SCORE_LINE = re.compile(r"^[ \t]*Score:?[ \t]*(?P<score>[1-4])[ \t]*$", re.M)
_DESCRIPTOR_LINE = re.compile(r"^[ \t]*(?P<score>[1-4])[ \t]*-[ \t]*(?P<text>Evidence shows [^\n]+?)[ \t]*$", re.M)
_PLAN_TITLE = re.compile(r"\bplan\b", re.I)


@dataclass(frozen=True)
class Metadata:
    """What we know about one report. None means unknown."""

    title: str | None = None
    authority: str | None = None
    kind: str | None = None  # one of KINDS
    quality_statement: str | None = None
    score: int | None = None
    score_descriptor: str | None = None
    published: str | None = None  # ISO date
    source_url: str | None = None
    # Where the "Score: N" line is in the text, so a score can be cited. Detected only.
    score_start: int | None = None
    score_end: int | None = None

    def unknown(self) -> list[str]:
        """Fields users care about that nobody knows yet."""
        wanted = ["title", "authority", "kind", "published", "source_url"]
        if self.kind == CQC_ASSESSMENT:
            wanted += ["quality_statement", "score", "score_descriptor"]
        return [f for f in wanted if getattr(self, f) is None]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metadata:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


EDITABLE_FIELDS = ("title", "authority", "kind", "quality_statement", "score", "score_descriptor",
                   "published", "source_url")


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def detect(text: str) -> Metadata:
    """Metadata the text itself states: the title line, the authority, the quality statement, the score."""
    found: dict[str, Any] = {"title": _first_line(text)}
    m = _ASSESSMENT_TITLE.search(text[:2000])
    if m:
        found["authority"] = m.group("authority").strip()
        found["kind"] = CQC_ASSESSMENT
    else:
        m2 = _COUNCIL_NAME.search(text[:2000])
        if m2:
            found["authority"] = m2.group("authority")
    score = _SCORE_LINE.search(text)
    if score:
        found["score"] = int(score.group("score"))
        # the span of the line without surrounding blanks, for citing
        line = score.group(0)
        lead = len(line) - len(line.lstrip())
        found["score_start"] = score.start() + lead
        found["score_end"] = score.start() + len(line.rstrip())
        found.setdefault("kind", CQC_ASSESSMENT)
    desc = _DESCRIPTOR_LINE.search(text)
    if desc and (score is None or int(desc.group("score")) == found["score"]):
        found["score_descriptor"] = desc.group("text").strip()
        found.setdefault("score", int(desc.group("score")))
    statement = detect_quality_statement(text)
    if statement:
        found["quality_statement"] = statement
        found.setdefault("kind", CQC_ASSESSMENT)
    if "kind" not in found and found["title"] and _PLAN_TITLE.search(found["title"]):
        found["kind"] = COUNCIL_PLAN
    if "score_descriptor" not in found and found.get("score") in SCORE_DESCRIPTORS:
        found["score_descriptor"] = SCORE_DESCRIPTORS[found["score"]]
    return Metadata(**found)


def detect_quality_statement(text: str) -> str | None:
    """The first line that is exactly one of CQC's nine quality statements (case and spacing aside)."""
    wanted = {re.sub(r"\s+", " ", s).lower(): s for s in QUALITY_STATEMENTS}
    for line in text.splitlines()[:60]:
        key = re.sub(r"\s+", " ", line).strip().lower()
        if key in wanted:
            return wanted[key]
    return None


def load_file(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """The entries of corpus/metadata.json, keyed by report file name. Missing file: no entries."""
    path = corpus_dir / "metadata.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path} is not valid JSON ({exc}). Fix it, or remove it to use detected "
                          "metadata only.") from exc
    reports = data.get("reports", data) if isinstance(data, dict) else None
    if not isinstance(reports, dict):
        raise CorpusError(f"{path} must be an object with a \"reports\" object keyed by file name.")
    for doc, entry in reports.items():
        if not isinstance(entry, dict):
            raise CorpusError(f"{path}: the entry for {doc!r} must be an object of fields.")
        unknown = set(entry) - set(EDITABLE_FIELDS)
        if unknown:
            raise CorpusError(f"{path}: the entry for {doc!r} has unknown fields {sorted(unknown)}; "
                              f"allowed: {', '.join(EDITABLE_FIELDS)}.")
        if entry.get("kind") not in (None, *KINDS):
            raise CorpusError(f"{path}: kind {entry['kind']!r} for {doc!r} must be one of {KINDS}.")
        if entry.get("score") not in (None, 1, 2, 3, 4):
            raise CorpusError(f"{path}: score {entry['score']!r} for {doc!r} must be 1, 2, 3 or 4.")
    return reports


def merge(detected: Metadata, entry: dict[str, Any] | None) -> Metadata:
    """The file's entry fills gaps and overrides what was detected."""
    if not entry:
        return detected
    values = detected.to_dict()
    values.update({k: v for k, v in entry.items() if v is not None})
    if entry.get("score") is not None and "score_descriptor" not in entry:
        values["score_descriptor"] = SCORE_DESCRIPTORS.get(entry["score"], values.get("score_descriptor"))
    return Metadata(**values)

"""Report metadata: detected from the text where it is there, then filled and overridden by corpus/metadata.json.

A report with no entry in the file still indexes with what was detected; `status` shows what is unknown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
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
_SCORE_LINE = re.compile(r"^[ \t]*(?:Indicative[ \t]+)?Score:?[ \t]*(?P<score>[1-4])"
                         r"(?:[ \t]*(?:/|out of)[ \t]*4)?[ \t]*$", re.M | re.I)
_DESCRIPTOR_LINE = re.compile(r"^[ \t]*(?P<score>[1-4])[ \t]*-[ \t]*(?P<text>Evidence shows [^\n]+?)[ \t]*$", re.M)
_PLAN_TITLE = re.compile(r"\b(?:plan|strategy|policy|statement)\b", re.I)
_OVERALL = re.compile(r"^[ \t]*Overall(?: rating)?:?[ \t]*"
                      r"(?P<rating>Outstanding|Good|Requires improvement|Inadequate)\b", re.M | re.I)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_DATE_LINE = re.compile(r"^[ \t]*(?:Published|Date of publication|Report published|Publication date|Assessment date|"
                        r"Date of assessment)[: \t]+(?P<d>\d{1,2})(?:st|nd|rd|th)? (?P<m>[A-Za-z]+),? (?P<y>\d{4})",
                        re.M | re.I)
_THEME_LINE = re.compile(r"^[ \t]*Theme[ \t]+(?P<n>[1-4])\b", re.M | re.I)

# CQC's four themes for local authority assessments and the quality statements in each.
THEMES = {
    "Working with people": ("Assessing needs", "Supporting people to lead healthier lives",
                            "Equity in experiences and outcomes"),
    "Providing support": ("Care provision, integration and continuity", "Partnerships and communities"),
    "How the local authority ensures safety within the system": ("Safe pathways, systems and transitions",
                                                                 "Safeguarding"),
    "Leadership": ("Governance, management and sustainability", "Learning, improvement and innovation"),
}
THEME_OF = {statement: theme for theme, statements in THEMES.items() for statement in statements}
OVERALL_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")


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
    theme: str | None = None  # CQC theme of the quality statement
    overall_rating: str | None = None  # Outstanding | Good | Requires improvement | Inadequate, where given
    # Every quality statement scored in the report (a summary report lists up to nine): dicts of
    # statement, score, descriptor, start, end (the cited score line). Detected only.
    scores: tuple[dict, ...] = ()
    superseded_by: str | None = None  # a newer report of the same authority and quality statement

    def unknown(self) -> list[str]:
        """Fields users care about that nobody knows yet."""
        wanted = ["title", "authority", "kind", "published", "source_url"]
        if self.kind == CQC_ASSESSMENT and len(self.scores) <= 1:
            wanted += ["quality_statement", "score", "score_descriptor"]
        return [f for f in wanted if getattr(self, f) is None]

    def to_dict(self) -> dict[str, Any]:
        # shallow, by hand: dataclasses.asdict deep-copies and was a visible cost on large corpora
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["scores"] = [dict(x) for x in self.scores]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metadata:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "scores" in values:
            values["scores"] = tuple(dict(x) for x in values["scores"] or ())
        return cls(**values)


EDITABLE_FIELDS = ("title", "authority", "kind", "quality_statement", "score", "score_descriptor",
                   "published", "source_url", "overall_rating")


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def detect(text: str) -> Metadata:
    """Metadata the text itself states: title line, authority, quality statement(s) and score(s), theme,
    overall rating, publication date. Handles CQC's layouts: "Score: 3", "Score 2", "Indicative score: 2"
    (2023 pilot reports), and summary pages that score several quality statements."""
    found: dict[str, Any] = {"title": _first_line(text)}
    head = text[:2000]
    m = _ASSESSMENT_TITLE.search(head)
    if m:
        found["authority"] = m.group("authority").strip()
        found["kind"] = CQC_ASSESSMENT
    else:
        m2 = _COUNCIL_NAME.search(head)
        if m2:
            found["authority"] = m2.group("authority")
    scores = _scores(text)
    if scores:
        found["scores"] = tuple(scores)
        found.setdefault("kind", CQC_ASSESSMENT)
        statements = {s["statement"] for s in scores}
        if len(scores) == 1 or len(statements) == 1:
            first = scores[0]
            found.update(score=first["score"], score_descriptor=first["descriptor"], score_start=first["start"],
                         score_end=first["end"])
            if first["statement"]:
                found["quality_statement"] = first["statement"]
    if "quality_statement" not in found and not scores:
        statement = detect_quality_statement(text)
        if statement:
            found["quality_statement"] = statement
            found.setdefault("kind", CQC_ASSESSMENT)
    if found.get("quality_statement"):
        found["theme"] = THEME_OF.get(found["quality_statement"])
    overall = _OVERALL.search(head)
    if overall:
        found["overall_rating"] = next(r for r in OVERALL_RATINGS if r.lower() == overall.group("rating").lower())
        found.setdefault("kind", CQC_ASSESSMENT)
    date = _DATE_LINE.search(head)
    if date and date.group("m").lower() in _MONTHS:
        month = _MONTHS.index(date.group("m").lower()) + 1
        found["published"] = f"{date.group('y')}-{month:02d}-{int(date.group('d')):02d}"
    if "kind" not in found and _PLAN_TITLE.search(" ".join(text.split("\n", 3)[:2])):
        found["kind"] = COUNCIL_PLAN
    return Metadata(**found)


def _scores(text: str) -> list[dict]:
    """Every score line, with its descriptor (the line below) and quality statement (the nearest
    statement line above)."""
    statements = {re.sub(r"\s+", " ", s).lower(): s for s in QUALITY_STATEMENTS}
    heads = []
    pos = 0
    for line in text.split("\n"):
        key = re.sub(r"\s+", " ", line).strip().lower()
        if key in statements:
            heads.append((pos, statements[key]))
        pos += len(line) + 1
    out = []
    for m in _SCORE_LINE.finditer(text):
        line = m.group(0)
        start = m.start() + len(line) - len(line.lstrip())
        end = m.start() + len(line.rstrip())
        n = int(m.group("score"))
        desc = _DESCRIPTOR_LINE.match(text, end + 1 if end < len(text) else end)
        if not desc:  # a blank line may sit between them
            nxt = re.compile(r"\s*").match(text, end).end()
            desc = _DESCRIPTOR_LINE.match(text, text.rfind("\n", 0, nxt) + 1) if nxt < len(text) else None
        descriptor = desc.group("text").strip() if desc and int(desc.group("score")) == n else SCORE_DESCRIPTORS[n]
        statement = next((s for p, s in reversed(heads) if p < start), None)
        out.append({"statement": statement, "score": n, "descriptor": descriptor, "start": start, "end": end})
    return out


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
        if entry.get("overall_rating") not in (None, *OVERALL_RATINGS):
            raise CorpusError(f"{path}: overall_rating {entry['overall_rating']!r} for {doc!r} must be one of "
                              f"{OVERALL_RATINGS}.")
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
    if entry.get("quality_statement"):
        values["theme"] = THEME_OF.get(entry["quality_statement"], values.get("theme"))
    # a single score corrected by hand corrects the detected list too
    if len(detected.scores) <= 1 and (entry.get("score") is not None or entry.get("quality_statement")):
        first = dict(detected.scores[0]) if detected.scores else {"start": None, "end": None}
        first.update(statement=values.get("quality_statement"), score=values.get("score"),
                     descriptor=values.get("score_descriptor"))
        values["scores"] = (first,) if first.get("score") is not None else ()
    return Metadata.from_dict(values)

"""Report metadata: detected from the text where it is there, then filled and overridden by corpus/metadata.json.

A report with no entry in the file still indexes with what was detected; `status` shows what is unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from . import cqc
from .councils import is_council, known_name_around, most_mentioned
from .cqc import OVERALL_RATINGS, QUALITY_STATEMENTS, SCORE_DESCRIPTORS, THEME_OF, THEMES  # noqa: F401 - re-exported
from .errors import CorpusError

CQC_ASSESSMENT = "CQC assessment"
COUNCIL_PLAN = "council plan"
MINUTES = "committee minutes"
COUNCIL_REPORT = "council report"
KINDS = (CQC_ASSESSMENT, COUNCIL_PLAN, MINUTES, COUNCIL_REPORT)

_ASSESSMENT_TITLE = re.compile(r"^\s*(?P<authority>.+?):?\s*(?:local authority\s+)?assessment\s*$", re.I)
_COUNCIL_NAME = re.compile(
    r"\b(?P<authority>(?:London Borough of|Royal Borough of) [A-Z][\w'-]*(?: (?:and |upon |on |in )?[A-Z][\w'-]*)*"
    r"|City of [A-Z][\w'-]*(?: [A-Z][\w'-]*)* Council"
    r"|[A-Z][\w'-]*(?:[ -](?:and |upon |on |in |under |with )?[A-Z][\w'-]*)* (?:County|City|Borough|District|"
    r"Metropolitan Borough|Metropolitan District) Council"
    r"|[A-Z][\w'-]*(?: (?:and )?[A-Z][\w'-]*)? Council)\b")
_NAME_JOINS = {"and", "upon", "on", "of", "the", "in", "under", "with"}  # "Telford and Wrekin", "Kingston upon Hull"
_NOT_AUTHORITY = re.compile(r"^(?:The|This|That|Each|Every|All|A|An|Our|Their|Its|Parish|Town|Community|Youth|Care|"
                            r"Cabinet|Full|Local|Your|My|Other|Neighbouring|Partner|Any|Some|Which|Whose)\b|"
                            r"\b(?:Research|Advisory|Sector|Skills|Quality|Arts|Press|Security|Medical|"
                            r"Nursing|Privy|Social Care|Dental|Health)\b|"
                            r"^(?:(?:County|City|Borough|District|Metropolitan|London|Royal|of|the) )*Council$")
_PLAN_TITLE = re.compile(r"\b(?:plan|strategy|policy|statement|local account)\b", re.I)
_MINUTES = re.compile(r"^[ \t]*(?:Agenda item\b|Minutes\b|Decision Maker:|Decided at meeting\b|Resolved\b|"
                      r"Date of Decision:|Meeting:[ \t]*\d|Reason for Decision\b)|"
                      r"\b(?:the (?:Committee|Panel|Board|Cabinet) (?:received|noted|considered|agreed|resolved)|"
                      # a meeting's summary: "The People Committee of Sutton Council met to discuss", "the Croydon
                      # Council Cabinet reviewed", "The committee noted"
                      r"\b[Tt]he (?:[A-Z][\w'’]* ){0,4}(?:Committee|Cabinet|Panel|committee|cabinet|panel)"
                      r"(?: of [A-Z][\w'’ ]{2,40}?)? (?:met to|noted|reviewed|approved|endorsed|welcomed|discussed)\b|"
                      r"Members (?:were|queried|asked|noted)|The Chair (?:commented|noted|thanked))", re.M)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_DATE_FIELD = (r"(?:Published|Date of publication|Report published|Publication date|Assessment date|"
               r"Date of assessment|Assessment published|Date of decision|Date of meeting)")
_DATE_LINE = re.compile(rf"^[ \t]*{_DATE_FIELD}[: \t]+"
                        rf"(?:(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?P<m>[A-Za-z]+),? (?P<y>\d{{4}})|"
                        rf"(?P<m2>[A-Za-z]+) (?P<d2>\d{{1,2}}),? (?P<y2>\d{{4}})|"
                        rf"(?P<d3>\d{{1,2}})/(?P<m3>\d{{1,2}})/(?P<y3>\d{{4}}))", re.M | re.I)
_DATELINE_WITHIN = 600  # characters from the top
_THEME_LINE = re.compile(r"^[ \t]*Theme[ \t]+(?P<n>[1-4])\b", re.M | re.I)
_TITLE_CHARS = 120  # a title longer than this (a page whose first line is a sentence) is shown cut

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
    # Where the overall rating is stated ("Overall rating: Good", "has rated X as good"), and the points out of
    # 100 where the report gives them. Detected only.
    overall_start: int | None = None
    overall_end: int | None = None
    overall_points: int | None = None
    # Where the publication date is printed ("Published: 17 May 2024"). Detected only.
    published_start: int | None = None
    published_end: int | None = None
    # Every quality statement scored in the report (a summary report lists up to nine): dicts of
    # statement, score, descriptor, start, end (the cited passage: the score line and its descriptor, or a
    # list item with the statement's name). Detected only.
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


# What names a report to a person (a removed report in the list, a kept version in the viewer)
SHOWN_FIELDS = ("title", "authority", "kind", "quality_statement", "score")


def shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of SHOWN_FIELDS that `values` (a report's metadata as a dict) gives."""
    return {k: values[k] for k in SHOWN_FIELDS if values.get(k) not in (None, "")}


EDITABLE_FIELDS = ("title", "authority", "kind", "quality_statement", "score", "score_descriptor",
                   "published", "source_url", "overall_rating")


def _title(text: str) -> str | None:
    """The report's title: its first line that is not page furniture ("Toggle menu", "Agenda item"), without
    Markdown's "#", cut at a word when it is a long sentence."""
    span = cqc.title_line(text)
    if span is None:
        return None
    title = " ".join(text[span[0]:span[1]].split())
    if len(title) > _TITLE_CHARS:
        title = title[:_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return title or None


# words no council's name starts with: a heading's own ("Our CQC assessment", "Your assessment")
_NO_NAME_START = {"our", "your", "their", "its", "my", "the", "this", "that", "a", "an", "latest", "next", "last",
                  "first", "new", "previous", "annual", "about"}


def _authority(text: str) -> str | None:
    """The authority a report is about: named in its title line ("X: local authority assessment", "X
    assessment"), or the first council named near its top ("Surrey County Council", "City of Wolverhampton
    Council", "London Borough of Hounslow")."""
    head = [ln for ln in text.split("\n")[:30] if not cqc.is_chrome(ln) and not cqc.is_stamp(ln)][:6]
    for line in head:
        m = _ASSESSMENT_TITLE.match(cqc.strip_heading(line))
        if m and len(m.group("authority")) <= 80:
            named = _COUNCIL_NAME.search(m.group("authority"))
            if named:
                return named.group("authority")
            name = m.group("authority").strip()
            if name.split()[0].lower() in _NO_NAME_START or _NOT_AUTHORITY.search(name):
                continue  # "Our CQC assessment", "The latest assessment": a page's heading, no council
            if is_council(name) or all(w[:1].isupper() or w in _NAME_JOINS for w in name.split()):
                return name  # "Wessexshire: local authority assessment"
            # not "Commission on the outcome of the Care Quality Commission assessment": a phrase, no council
    for m in _COUNCIL_NAME.finditer(text[:2500]):
        name = m.group("authority")
        if not _NOT_AUTHORITY.search(name):
            # a name longer than the pattern reads ("Bath & North East Somerset Council"), if it is a council's
            return known_name_around(text, m.start("authority"), m.end("authority")) or name
    return most_mentioned(text[:3000])


def _kind(text: str, title: str | None, cqc_marks: bool) -> str:
    if cqc_marks:
        return CQC_ASSESSMENT
    if _MINUTES.search(text[:3000]):
        return MINUTES
    if title and _PLAN_TITLE.search(title):
        return COUNCIL_PLAN
    return COUNCIL_REPORT


def _published(head: str) -> tuple[str | None, int | None, int | None]:
    """The publication date (ISO) and the span of the line that prints it."""
    m = _DATE_LINE.search(head) or cqc.DATELINE.search(head[:_DATELINE_WITHIN])
    iso = None if m else cqc.ISO_DATELINE.search(head[:_DATELINE_WITHIN])  # the stamp alone, not its line
    m = m or iso
    if not m:
        return None, None, None
    line_end = m.end() if iso else head.find("\n", m.end())
    span = (m.start() + len(m.group(0)) - len(m.group(0).lstrip()), len(head) if line_end < 0 else line_end)
    g = m.groupdict()
    if g.get("y3"):
        d, mo, y = int(g["d3"]), int(g["m3"]), g["y3"]
    else:
        name = (g["m"] or g["m2"]).lower()
        # in full or short ("Jan", "Sept")
        month = next((i for i, full in enumerate(_MONTHS) if len(name) >= 3 and full.startswith(name)), None)
        if month is None:
            return None, None, None
        d, mo, y = int(g["d"] or g["d2"]), month + 1, g["y"] or g.get("y2")
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None, None, None
    return f"{y}-{mo:02d}-{d:02d}", span[0], len(head[:span[1]].rstrip())


def detect(text: str) -> Metadata:
    """Metadata the text itself states: title, authority, kind, quality statement(s) and score(s), theme,
    overall rating, publication date. Every CQC layout `cqc.score_items` and `cqc.overall_rating` know:
    "Score: 3", "Score 2", pilots' "Indicative score", summary pages and press releases that score all nine
    quality statements, overall ratings however stated."""
    found: dict[str, Any] = {"title": _title(text), "authority": _authority(text)}
    items = cqc.score_items(text)
    rating = cqc.overall_rating(text)
    head_lines = [ln for ln in text.split("\n")[:12] if not cqc.is_chrome(ln)][:3]
    # (a rating told in a committee's minutes makes them no CQC assessment)
    # ("Adult Social Care CQC Assessment" heading a committee's item names no authority: no assessment's title)
    titled = (_ASSESSMENT_TITLE.match(cqc.strip_heading(ln)) for ln in head_lines)
    cqc_marks = bool(items) or any(m and not _NOT_AUTHORITY.search(m.group("authority")) for m in titled) \
        or (rating is not None and "Care Quality Commission" in text and not _MINUTES.search(text[:3000])) \
        or detect_quality_statement(text) is not None
    if items:
        found["scores"] = tuple({"statement": i.statement, "score": i.score, "descriptor": i.descriptor,
                                 "start": i.start, "end": i.end} for i in items)
        if len({i.statement for i in items}) == 1:
            first = items[0]
            found.update(score=first.score, score_descriptor=first.descriptor, score_start=first.score_start,
                         score_end=first.score_end)
            if first.statement:
                found["quality_statement"] = first.statement
    elif (statement := detect_quality_statement(text)) is not None:
        found["quality_statement"] = statement
    if found.get("quality_statement"):
        found["theme"] = THEME_OF.get(found["quality_statement"])
    if rating:
        found.update(overall_rating=rating.rating, overall_start=rating.start, overall_end=rating.end,
                     overall_points=rating.points)
    found["published"], found["published_start"], found["published_end"] = _published(text[:3000])
    found["kind"] = _kind(text, found["title"], cqc_marks)
    return Metadata(**{k: v for k, v in found.items() if v is not None})


def detect_quality_statement(text: str) -> str | None:
    """The quality statement a CQC page is about: its first line that names one (as a heading)."""
    for line in text.splitlines()[:12]:
        statement = cqc.statement_of_line(line)
        if statement:
            return statement
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

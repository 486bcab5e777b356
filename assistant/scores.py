"""Score questions, answered from the reports' metadata and cited at each report's "Score: N" line.

"What did Derbyshire score?", "which authority scored higher?", "what does a 4 mean?", "list the scores we
hold", "what is X's overall rating?", "how has X's score changed?". An authority named only in the metadata
(Camden) is found by name like any other. A report scoring several quality statements (a summary page)
gives one entry per statement. Superseded reports count only when the question asks about the past.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .metadata import _OVERALL, CQC_ASSESSMENT, Metadata
from .question import Understanding
from .retrieve import Filters

if TYPE_CHECKING:
    from .answer import Answer, Answerer, Citation

# The descriptor line printed right under the score line ("3 - Evidence shows a good standard").
_DESCRIPTOR_AFTER = re.compile(r"\s*[1-4][ \t]*-[ \t]*Evidence shows[^\n]*")
_DESCRIPTOR_LINE = re.compile(r"^[ \t]*(?P<n>[1-4])[ \t]*-[ \t]*Evidence shows[^\n]*", re.M)


@dataclass(frozen=True)
class Held:
    """One score held: a report's score for one quality statement."""

    doc: str
    md: Metadata
    statement: str | None
    score: int
    descriptor: str | None
    start: int | None  # the score line, when the text has one
    end: int | None

    @property
    def authority(self) -> str:
        return self.md.authority or self.doc


def all_scores(answerer: Answerer) -> list[Held]:
    """Every score of every CQC assessment, highest first, then by authority. Computed once per index."""
    cached = getattr(answerer, "_all_scores", None)
    if cached is not None:
        return cached
    out = []
    for doc, entry in answerer.index.manifest.reports.items():
        if entry.metadata.get("kind") != CQC_ASSESSMENT:
            continue
        md = answerer.index.metadata(doc)
        entries = list(md.scores) or ([{"statement": md.quality_statement, "score": md.score,
                                        "descriptor": md.score_descriptor, "start": md.score_start,
                                        "end": md.score_end}] if md.score is not None else [])
        for e in entries:
            if e.get("score") is None:
                continue
            out.append(Held(doc, md, e.get("statement"), int(e["score"]), e.get("descriptor"), e.get("start"),
                            e.get("end")))
    out.sort(key=lambda h: (-h.score, h.authority, h.statement or "", h.doc))
    answerer._all_scores = out
    return out


def held(answerer: Answerer, filters: Filters, include_superseded: bool = False) -> list[Held]:
    """The scores within the filters, highest first, then by authority."""
    return [h for h in all_scores(answerer)
            if (include_superseded or not h.md.superseded_by)
            and (not filters.doc or filters.doc == h.doc)
            and (not filters.authority or filters.authority.lower() in (h.md.authority or "").lower())]


def score_span(text: str, h: Held) -> tuple[int, int] | None:
    """The score line and the descriptor under it, as one passage."""
    if h.start is None or h.end is None:
        return None
    m = _DESCRIPTOR_AFTER.match(text, h.end)
    return h.start, (m.end() if m else h.end)


def _cite(answerer: Answerer, doc: str, start: int, end: int, cites: list[Citation], role: str,
          section: str) -> str | None:
    """Append a citation of text[start:end] if it matches the report; its number, or None."""
    quote = answerer.index.texts[doc][start:end]
    if not answerer.sources.matches(doc, start, end, quote):
        return None
    cites.append(answerer.cite_span(len(cites) + 1, doc, start, end, section, 1.0, role))
    return f"[{len(cites)}]"


def _line(answerer: Answerer, h: Held, cites: list[Citation], role: str) -> str:
    head = f"{h.authority} — {h.statement or 'quality statement unknown'}"
    if h.md.superseded_by:
        head += f" (earlier report, superseded by {h.md.superseded_by})"
    span = score_span(answerer.index.texts[h.doc], h)
    if span:
        ref = _cite(answerer, h.doc, *span, cites, role, " > ".join(x for x in (h.statement, "Score") if x))
        if ref:
            quoted = " / ".join(f"“{ln.strip()}”" for ln in answerer.index.texts[h.doc][span[0]:span[1]].splitlines()
                                if ln.strip())
            return f"{head}: {quoted} {ref}"
    # a score set in metadata.json with no score line in the text: say where it comes from
    return f"{head}: score {h.score} ({h.descriptor or 'no descriptor'}), from the report's metadata"


def answer_score(answerer: Answerer, q: str, u: Understanding, filters: Filters) -> Answer:
    cites: list[Citation] = []
    past = u.about_past
    scores = held(answerer, filters, include_superseded=past)
    scope = [h for h in scores if not u.authorities or h.md.authority in u.authorities]
    in_statement = [h for h in scope if not u.statement or h.statement == u.statement]

    if u.score_kind == "meaning":
        n = u.score_value
        for h in scores:
            if h.score != n:
                continue
            text = answerer.index.texts[h.doc]
            for m in _DESCRIPTOR_LINE.finditer(text):
                if int(m.group("n")) == n:
                    a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                    ref = _cite(answerer, h.doc, a, m.end(), cites, "answer", "Score")
                    if ref:
                        body = f"A score of {n}, as the reports print it ({h.authority}): “{m.group(0).strip()}” {ref}"
                        return answerer._finish(q, body, False, cites, "score")
        return _decline(answerer, q, f"None of the indexed reports has a score of {n}, so they don't say what "
                                     "it means.", scores, cites)

    if u.score_kind == "overall":
        lines = []
        for doc in answerer.index.manifest.reports:
            md = answerer.index.metadata(doc)
            if not md.overall_rating or (u.authorities and md.authority not in u.authorities) or \
                    (md.superseded_by and not past):
                continue
            text = answerer.index.texts[doc]
            m = _OVERALL.search(text)
            if m:
                line = m.group(0).strip()
                a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                ref = _cite(answerer, doc, a, a + len(line), cites, "answer", "Overall rating")
                if ref:
                    lines.append(f"{md.authority or doc}: “{line}” {ref}")
        if lines:
            return answerer._finish(q, "\n".join(lines), False, cites, "score")
        who = " and ".join(u.authorities) if u.authorities else "any authority"
        return _decline(answerer, q, f"The indexed reports don't give an overall rating for {who}; they hold "
                                     "scores for single quality statements.", scope or scores, cites)

    if not in_statement:
        who = " and ".join(u.authorities) if u.authorities else "the authorities indexed"
        what = f"a score for {u.statement}" if u.statement else "a CQC score"
        return _decline(answerer, q, f"The indexed reports don't give {who} {what}.", scope or scores, cites)

    lines = [_line(answerer, h, cites, "answer") for h in in_statement]
    if u.score_kind == "compare" and len(in_statement) > 1:
        by_statement: dict[str, list[Held]] = {}
        for h in in_statement:
            if not h.md.superseded_by:
                by_statement.setdefault(h.statement or "", []).append(h)
        heads = []
        for statement, hs in by_statement.items():
            if len({h.authority for h in hs}) < 2:
                continue
            top = max(h.score for h in hs)
            best = sorted({h.authority for h in hs if h.score == top})
            who = " and ".join(best)
            heads.append(f"Highest on {statement}: {who} ({top})." if len(best) == 1
                         else f"Level on {statement}: {who} ({top}).")
        lines = heads + lines
    return answerer._finish(q, "\n".join(lines), False, cites, "score")


def _decline(answerer: Answerer, q: str, message: str, closest: list[Held], cites: list[Citation]) -> Answer:
    for h in closest:
        span = score_span(answerer.index.texts[h.doc], h)
        if span:
            _cite(answerer, h.doc, *span, cites, "closest", " > ".join(x for x in (h.statement, "Score") if x))
    text = message + (" The scores the reports do give are listed as closest matches." if cites else "")
    return answerer._finish(q, text, True, cites, "abstained")


def score_rows(answerer: Answerer) -> list[dict]:
    """Every score held, for the scores view, with the earlier score where a newer report superseded one."""
    everything = held(answerer, Filters(), include_superseded=True)
    earlier = {(h.md.superseded_by, h.statement): h for h in everything if h.md.superseded_by}
    rows = []
    for h in everything:
        if h.md.superseded_by:
            continue
        text = answerer.index.texts[h.doc]
        span = score_span(text, h)
        row = {"authority": h.authority, "statement": h.statement or "unknown", "score": h.score,
               "descriptor": h.descriptor, "doc": h.doc, "start": span[0] if span else None,
               "end": span[1] if span else None, "quote": text[span[0]:span[1]] if span else None, "earlier": None}
        old = earlier.get((h.doc, h.statement))
        if old:
            otext = answerer.index.texts[old.doc]
            ospan = score_span(otext, old)
            row["earlier"] = {"score": old.score, "doc": old.doc, "start": ospan[0] if ospan else None,
                              "end": ospan[1] if ospan else None, "quote": otext[ospan[0]:ospan[1]] if ospan else None,
                              "published": old.md.published}
        rows.append(row)
    return rows

"""Score questions, answered from the reports' metadata and cited at each report's "Score: N" line.

"What did Derbyshire score?", "which authority scored higher?", "what does a 4 mean?", "list the scores we
hold". An authority named only in the metadata (Camden) is found by name like any other.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .metadata import CQC_ASSESSMENT, Metadata
from .question import Understanding
from .retrieve import Filters

if TYPE_CHECKING:
    from .answer import Answer, Answerer, Citation

# The descriptor line printed right under the score line ("3 - Evidence shows a good standard").
_DESCRIPTOR_AFTER = re.compile(r"\s*[1-4][ \t]*-[ \t]*Evidence shows[^\n]*")
_DESCRIPTOR_LINE = re.compile(r"^[ \t]*(?P<n>[1-4])[ \t]*-[ \t]*Evidence shows[^\n]*", re.M)


def _held(answerer: Answerer, filters: Filters) -> list[tuple[str, Metadata]]:
    """CQC assessments with a score, within the filters, highest score first then by authority."""
    out = []
    for doc in answerer.index.manifest.reports:
        md = answerer.index.metadata(doc)
        if md.kind != CQC_ASSESSMENT or md.score is None:
            continue
        if filters.doc and filters.doc != doc:
            continue
        if filters.authority and filters.authority.lower() not in (md.authority or "").lower():
            continue
        out.append((doc, md))
    return sorted(out, key=lambda x: (-(x[1].score or 0), x[1].authority or "", x[0]))


def _score_span(text: str, md: Metadata) -> tuple[int, int] | None:
    """The score line and the descriptor under it, as one passage."""
    if md.score_start is None or md.score_end is None:
        return None
    end = md.score_end
    m = _DESCRIPTOR_AFTER.match(text, end)
    if m:
        end = m.end()
    return md.score_start, end


def _cite(answerer: Answerer, doc: str, start: int, end: int, cites: list[Citation], role: str) -> str | None:
    """Append a citation of text[start:end] if it matches the report; its number, or None."""
    from .answer import Citation

    text = answerer.index.texts[doc]
    quote = text[start:end]
    if not answerer.sources.matches(doc, start, end, quote):
        return None
    md = answerer.index.metadata(doc)
    section = " > ".join(x for x in (md.quality_statement, "Score") if x)
    cites.append(Citation(n=len(cites) + 1, doc=doc, title=md.title, authority=md.authority, section=section,
                          line_start=text.count("\n", 0, start) + 1, line_end=text.count("\n", 0, end - 1) + 1,
                          start=start, end=end, quote=quote, score=1.0, role=role))
    return f"[{len(cites)}]"


def _line(answerer: Answerer, doc: str, md: Metadata, cites: list[Citation], role: str) -> str:
    head = f"{md.authority or doc} — {md.quality_statement or 'quality statement unknown'}"
    span = _score_span(answerer.index.texts[doc], md)
    if span:
        ref = _cite(answerer, doc, *span, cites, role)
        if ref:
            quoted = " / ".join(f"“{ln.strip()}”" for ln in answerer.index.texts[doc][span[0]:span[1]].splitlines()
                                if ln.strip())
            return f"{head}: {quoted} {ref}"
    # a score set in metadata.json with no score line in the text: say where it comes from
    return f"{head}: score {md.score} ({md.score_descriptor or 'no descriptor'}), from the report's metadata"


def answer_score(answerer: Answerer, q: str, u: Understanding, filters: Filters) -> Answer:
    cites: list[Citation] = []
    held = _held(answerer, filters)
    scope = [(d, m) for d, m in held if not u.authorities or m.authority in u.authorities]
    if u.statement:
        scope_statement = [(d, m) for d, m in scope if m.quality_statement == u.statement]
    else:
        scope_statement = scope

    if u.score_kind == "meaning":
        n = u.score_value
        for doc, md in held:
            if md.score == n:
                text = answerer.index.texts[doc]
                m = _DESCRIPTOR_LINE.search(text)
                if m and int(m.group("n")) == n:
                    a, b = m.start(), m.end()
                    ref = _cite(answerer, doc, a + len(m.group(0)) - len(m.group(0).lstrip()), b, cites, "answer")
                    if ref:
                        body = (f"A score of {n}, as the reports print it ({md.authority or doc}): "
                                f"“{m.group(0).strip()}” {ref}")
                        return answerer._finish(q, body, False, cites, "score")
        return _decline(answerer, q, f"None of the indexed reports has a score of {n}, so they don't say what "
                                     "it means.", held, cites)

    if u.score_kind == "overall":
        who = " and ".join(u.authorities) if u.authorities else "any authority"
        return _decline(answerer, q, f"The indexed reports don't give an overall rating for {who}; they hold "
                                     "scores for single quality statements.", scope or held, cites)

    if not scope_statement:
        who = " and ".join(u.authorities) if u.authorities else "the authorities indexed"
        what = f"a score for {u.statement}" if u.statement else "a CQC score"
        return _decline(answerer, q, f"The indexed reports don't give {who} {what}.", scope or held, cites)

    lines = [_line(answerer, doc, md, cites, "answer") for doc, md in scope_statement]
    if u.score_kind == "compare" and len(scope_statement) > 1:
        by_statement: dict[str, list[Metadata]] = {}
        for _, md in scope_statement:
            by_statement.setdefault(md.quality_statement or "", []).append(md)
        heads = []
        for statement, mds in by_statement.items():
            top = max(m.score or 0 for m in mds)
            best = [m.authority for m in mds if m.score == top]
            if len(mds) > 1:
                who = " and ".join(a or "?" for a in best)
                heads.append(f"Highest on {statement}: {who} ({top})." if len(best) == 1
                             else f"Level on {statement}: {who} ({top}).")
        lines = heads + lines
    return answerer._finish(q, "\n".join(lines), False, cites, "score")


def _decline(answerer: Answerer, q: str, message: str, closest: list[tuple[str, Metadata]],
             cites: list[Citation]) -> Answer:
    for doc, md in closest:
        span = _score_span(answerer.index.texts[doc], md)
        if span:
            _cite(answerer, doc, *span, cites, "closest")
    text = message + (" The scores the reports do give are listed as closest matches." if cites else "")
    return answerer._finish(q, text, True, cites, "abstained")


def score_rows(answerer: Answerer) -> list[dict]:
    """Every score held, for the scores view: authority, statement, score, descriptor, and the cited line."""
    rows = []
    for doc, md in _held(answerer, Filters()):
        text = answerer.index.texts[doc]
        span = _score_span(text, md)
        rows.append({"authority": md.authority or doc, "statement": md.quality_statement or "unknown",
                     "score": md.score, "descriptor": md.score_descriptor, "doc": doc,
                     "start": span[0] if span else None, "end": span[1] if span else None,
                     "quote": text[span[0]:span[1]] if span else None})
    return rows

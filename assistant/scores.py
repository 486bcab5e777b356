"""Score questions, answered from the reports' metadata and cited at each report's own score line.

"What did Derbyshire score?", "which authority scored higher?", "what does a 4 mean?", "list the scores we
hold", "what is X's overall rating?", "which council scored 4?", "do we hold X's winter plan?". A report
scoring several quality statements (a summary page, a press release) gives one entry per statement, each
cited at its own line; when two reports give one authority's score for one statement, the statement page is
quoted and the other cited as a further passage. Superseded reports count only when the question asks about
the past.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import cqc
from .cqc import QUALITY_STATEMENTS
from .intents import COMPARE, HELD, LIST, MEANING, OVERALL, PUBLISHED, SCORE
from .metadata import CQC_ASSESSMENT, Metadata
from .retrieve import Filters
from .store import text_key

if TYPE_CHECKING:
    from .answer import Answerer, Citation
    from .question import Part, Understanding

# The line just above a score line (a blank line between at most), up to the score line itself.
_LINE_ABOVE = re.compile(r"(?m)^[ \t]*(?P<line>\S[^\n]{0,98})[ \t]*\n(?:[ \t]*\n)?[ \t]*\Z")
# The descriptor line printed right under a score line ("3 - Evidence shows a good standard").
_DESCRIPTOR_AFTER = re.compile(r"[ \t]*\n(?:[ \t]*\n)?[ \t]*[1-4][ \t]*[-–][ \t]*Evidence shows[^\n]*")


@dataclass(frozen=True)
class Held:
    """One score held: a report's score for one quality statement."""

    doc: str
    md: Metadata
    statement: str | None
    score: int
    descriptor: str | None
    start: int | None  # the cited passage (score line and descriptor, or a list item), when the text has one
    end: int | None
    single: bool  # from a report about this one statement (not a summary or a press release's list)

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
        single = len({e.get("statement") for e in entries}) <= 1
        for e in entries:
            if e.get("score") is None:
                continue
            out.append(Held(doc, md, e.get("statement"), int(e["score"]), e.get("descriptor"), e.get("start"),
                            e.get("end"), single))
    order = {s: i for i, s in enumerate(QUALITY_STATEMENTS)}
    out.sort(key=lambda h: (h.authority, order.get(h.statement or "", 99), not h.single, h.doc))
    answerer._all_scores = out
    return out


def held(answerer: Answerer, filters: Filters, include_superseded: bool = False) -> list[Held]:
    """The scores within the filters."""
    return [h for h in all_scores(answerer)
            if (include_superseded or not h.md.superseded_by)
            and (not filters.doc or filters.doc == h.doc)
            and (not filters.authority or filters.authority.lower() in (h.md.authority or "").lower())]


def score_span(text: str, h: Held) -> tuple[int, int] | None:
    """The score line and the descriptor under it, as one passage, with the heading naming its quality statement
    when that is printed right above it (what the score is for, in the report's words)."""
    if h.start is None or h.end is None:
        return None
    m = _DESCRIPTOR_AFTER.match(text, h.end)
    start = h.start
    above = _LINE_ABOVE.search(text, max(0, start - 200), start)
    if above and h.statement and cqc.statement_of_line(above.group("line")) == h.statement:
        start = above.start("line")
    return start, (m.end() if m else h.end)


def _names_statement(text: str, span: tuple[int, int], h: Held) -> bool:
    """Does the quoted span open with the heading naming its quality statement?"""
    first = text[span[0]:span[1]].split("\n", 1)[0]
    return bool(h.statement) and cqc.statement_of_line(first) == h.statement


def _cite(answerer: Answerer, doc: str, start: int, end: int, cites: list[Citation], role: str,
          section: str) -> str | None:
    """Append a citation of text[start:end] if it matches the report; its number, or None."""
    quote = answerer.index.texts[doc][start:end]
    if not answerer.sources.matches(doc, start, end, quote):
        return None
    cites.append(answerer.cite_span(len(cites) + 1, doc, start, end, section, 1.0, role))
    return f"[{len(cites)}]"


def _quoted(text: str, a: int, b: int) -> str:
    return " / ".join(f"“{' '.join(ln.split())}”" for ln in text[a:b].splitlines() if ln.strip())


def _line(answerer: Answerer, h: Held, cites: list[Citation], role: str) -> str:
    head = f"{h.authority} — {h.statement or 'quality statement unknown'}"
    if h.md.superseded_by:
        head += f" (earlier report, superseded by {h.md.superseded_by})"
    text = answerer.index.texts[h.doc]
    span = score_span(text, h)
    if span:
        ref = _cite(answerer, h.doc, *span, cites, role, " > ".join(x for x in (h.statement, "Score") if x))
        if ref:
            if _names_statement(text, span, h) and not h.md.superseded_by:
                head = h.authority  # the quote names the statement itself
            return f"{head}: {_quoted(text, *span)} {ref}"
    # a score set in metadata.json with no score line in the text: say where it comes from
    return f"{head}: score {h.score} ({h.descriptor or 'no descriptor'}), from the report's metadata"


def _one_each(scores: list[Held]) -> tuple[list[Held], list[Held]]:
    """One score per authority and statement (a statement page before a list item), and the others."""
    first: dict[tuple[str, str | None], Held] = {}
    rest = []
    for h in scores:
        key = (h.authority, h.statement)
        if key in first:
            rest.append(h)
        else:
            first[key] = h
    return list(first.values()), rest


def _also(answerer: Answerer, others: list[Held], cites: list[Citation]) -> None:
    """The same scores as printed by other reports (a summary, a press release): further passages."""
    from .answer import PASSAGE

    for h in others:
        if len(cites) >= answerer.settings.max_citations:
            return
        span = score_span(answerer.index.texts[h.doc], h)
        if span:
            _cite(answerer, h.doc, *span, cites, PASSAGE, " > ".join(x for x in (h.statement, "Score") if x))


def score_block(answerer: Answerer, part: Part, u: Understanding, filters: Filters,
                cites: list[Citation]) -> tuple[str, bool]:
    """The answer to one score question (a part of one): its text and whether the reports answered it.
    Citations are appended to `cites`."""
    past = u.about_past
    statements = part.statements or ((u.statement,) if u.statement and len(u.parts) == 1 else ())
    statement = statements[0] if len(statements) == 1 else None
    scores = held(answerer, filters, include_superseded=past)
    scope = [h for h in scores if not u.authorities or h.md.authority in u.authorities]

    if part.intent == MEANING:
        if u.authorities:  # "what does that mean?", "what does the 2 in X's rating mean?": their score's descriptor
            theirs = [h for h in scope if (not statements or h.statement in statements) and
                      part.score_value in (None, h.score)]
            if theirs:
                part = dataclasses.replace(part, score_value=theirs[0].score)
                scores = theirs + scores
        return _meaning(answerer, part, scores, cites)
    if part.intent == OVERALL or (part.intent == SCORE and not statements and cqc.PERCENT_ASKED.search(part.text)) or \
            (part.intent == SCORE and part.which and not u.authorities and not statements and
             cqc.GRADE_WORD.search(part.text)):  # "which council was rated inadequate?"
        # "what did X get as a percentage?": the overall points (statements are scored 1 to 4)
        return _overall(answerer, part, u, filters, cites)
    if part.intent == HELD:
        return _held_reports(answerer, u, filters, cites)
    if part.intent == PUBLISHED:
        return _published(answerer, part, u, filters, cites)

    # "which areas were rated good?", "in how many areas ...?": no overall rating answers it
    areas = cqc.AREAS_ASKED.search(part.text) or cqc.AREAS_COUNTED.search(part.text)
    if not statements and not areas and part.intent in (SCORE, COMPARE) and _OVERALL_ASKED.search(part.text):
        # "who came out higher overall, X or Y?", "was X rated good like Y was?": their overall ratings
        overall = _overall_if_held(answerer, part, u, filters, cites)
        if overall:
            return overall
    in_statement = [h for h in scope if not statements or h.statement in statements]
    if part.score_value is not None and (not u.authorities or part.which) and part.intent in (SCORE, LIST):
        # "which council scored 4?", "which areas did X get a 3 in?"
        in_statement = [h for h in in_statement if h.score == part.score_value]
    if not in_statement and not statements and not areas and part.intent in (SCORE, COMPARE) and u.authorities \
            and part.score_value is None:
        # "which rating did X end up with?", "which came out higher, X or Y?" of authorities whose reports give an
        # overall rating only
        overall = _overall_if_held(answerer, part, u, filters, cites)
        if overall:
            return overall
    if not in_statement:
        who = " and ".join(u.authorities) if u.authorities else "the authorities indexed"
        what = f"a score for {statement}" if statement else "a CQC score"
        if part.score_value is not None and not u.authorities:
            what = f"a score of {part.score_value}" + (f" for {statement}" if statement else "")
        closest = [h for h in scope or scores if not statement or h.statement == statement] or scope
        _closest(answerer, closest[:3], cites)
        return f"The indexed reports don't give {who} {what}.", False
    lines_of, others = _one_each(in_statement)
    if part.intent == COMPARE:  # highest first
        lines_of.sort(key=lambda h: -h.score)
    lines = [_line(answerer, h, cites, "answer") for h in lines_of]
    if part.intent == COMPARE and len({h.authority for h in lines_of}) > 1:
        lines = _heads(lines_of, lowest=bool(_LOWER.search(part.text))) + lines
    elif part.intent == COMPARE and len({h.statement for h in lines_of}) > 1:
        # one authority's scores on two statements ("did X do any better on A than on B?")
        top, rest = lines_of[0], lines_of[1:]
        if all(h.score == top.score for h in rest):
            head = f"{top.authority}: level on {' and '.join(str(h.statement) for h in lines_of)} ({top.score})."
        else:
            head = f"{top.authority}: higher on {top.statement} ({top.score}) than on " + \
                " and ".join(f"{h.statement} ({h.score})" for h in rest if h.score < top.score) + "."
        lines = [head] + lines
    _also(answerer, others, cites)
    return "\n".join(lines), True


def legend_block(answerer: Answerer, part: Part, u: Understanding, cites: list[Citation]) -> tuple[str, bool]:
    """What a score means, from the key to the scores the named authorities' reports print ("2 = requires
    improvement"): for a report that holds no score line of its own ("on Sefton's page, what does a 2 stand
    for?")."""
    if part.score_value is None:
        return "", False
    for doc in answerer.index.manifest.reports:
        md = answerer.index.metadata(doc)
        if md.authority not in u.authorities:
            continue
        text = answerer.index.texts[doc]
        for m in cqc.LEGEND_LINE.finditer(text):
            if int(m.group("score")) == part.score_value:
                a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                ref = _cite(answerer, doc, a, m.end(), cites, "answer", "Score")
                if ref:
                    return f"A score of {part.score_value}, as {md.authority}'s report puts it: " \
                           f"“{m.group(0).strip()}” {ref}", True
    return "", False


# A comparison asking who did worse ("which was rated worse, X or Y?"): the lowest is named first
_LOWER = re.compile(r"\b(?:worse|worst|lower|lowest|weaker|weakest|poorer|poorest)\b", re.I)


def _heads(scores: list[Held], lowest: bool = False) -> list[str]:
    by_statement: dict[str, list[Held]] = {}
    for h in scores:
        if not h.md.superseded_by:
            by_statement.setdefault(h.statement or "", []).append(h)
    heads = []
    for statement, hs in by_statement.items():
        if len({h.authority for h in hs}) < 2:
            continue
        top = (min if lowest else max)(h.score for h in hs)
        best = sorted({h.authority for h in hs if h.score == top})
        who = " and ".join(best)
        heads.append(f"{'Lowest' if lowest else 'Highest'} on {statement}: {who} ({top})." if len(best) == 1
                     else f"Level on {statement}: {who} ({top}).")
    return heads


def _meaning(answerer: Answerer, part: Part, scores: list[Held], cites: list[Citation]) -> tuple[str, bool]:
    n = part.score_value
    if n is None:  # "what does 'some shortfalls' mean?": the score whose descriptor it is
        low = part.text.lower()
        n = next((k for k, words in cqc.SCORE_WORDS.items() if words in low), None)
    for h in scores:
        if n is not None and h.score != n:
            continue
        text = answerer.index.texts[h.doc]
        for m in cqc.DESCRIPTOR_LINE.finditer(text):
            if n is None or int(m.group("score")) == n:
                a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                ref = _cite(answerer, h.doc, a, m.end(), cites, "answer", "Score")
                if ref:
                    return f"A score of {m.group('score')}, as the reports print it ({h.authority}): " \
                           f"“{m.group(0).strip()}” {ref}", True
    what = f"a score of {n}" if n is not None else "that score"
    return f"None of the indexed reports has {what}, so they don't say what it means.", False


# An overall rating asked in other words than "overall rating": the word, or the overall scale's grades ("a score
# of 3 - good standard" is a statement's descriptor, not a rating)
_OVERALL_ASKED = re.compile(r"\boverall\b|\b(?:outstanding|requires? improvement|inadequate)\b|"
                            r"\bgood\b(?!\s+standard)", re.I)


def _rank(md: Metadata) -> tuple[int, int]:
    """Higher overall first: points out of 100, then the rating's place (Outstanding first)."""
    grade = cqc.OVERALL_RATINGS.index(md.overall_rating) if md.overall_rating in cqc.OVERALL_RATINGS else 9
    return -(md.overall_points or -1), grade


def _overall_if_held(answerer: Answerer, part: Part, u: Understanding, filters: Filters,
                     cites: list[Citation]) -> tuple[str, bool] | None:
    """The overall ratings, when the reports give any; otherwise None and `cites` untouched (the scores answer
    instead, without the overall's closest matches)."""
    trial = list(cites)
    text, ok = _overall(answerer, part, u, filters, trial)
    if not ok:
        return None
    cites[:] = trial
    return text, ok


def _overall(answerer: Answerer, part: Part, u: Understanding, filters: Filters,
             cites: list[Citation]) -> tuple[str, bool]:
    points_asked = bool(cqc.POINTS_ASKED.search(part.text))
    lines: list[str] = []
    standing: dict[str, tuple[int | None, str]] = {}  # line: its authority's overall points and rating
    # "which council was rated inadequate?": the councils of that rating only
    named = cqc.GRADE_WORD.search(part.text) if not u.authorities and part.which else None
    asked = cqc.grade(named.group(0)) if named else None
    docs = list(answerer.index.manifest.reports)
    if part.intent == COMPARE:  # "who came out higher overall?": the highest first
        docs.sort(key=lambda d: _rank(answerer.index.metadata(d)))
    for doc in docs:
        md = answerer.index.metadata(doc)
        if not md.overall_rating or (u.authorities and md.authority not in u.authorities) or \
                (asked and md.overall_rating != asked) or \
                (md.superseded_by and not u.about_past) or (filters.doc and filters.doc != doc) or \
                (filters.authority and filters.authority.lower() not in (md.authority or "").lower()):
            continue
        text = answerer.index.texts[doc]
        if md.overall_start is None or md.overall_end is None:
            lines.append(f"{md.authority or doc}: rated {md.overall_rating} overall, from the report's metadata")
            continue
        if points_asked and md.overall_points is None:
            continue  # asked for points out of 100: a rating alone does not answer it
        a, b = md.overall_start, md.overall_end
        stated = cqc.points_line(text)
        apart = None
        if stated and stated[1] >= b and not text[b:stated[1]].strip():
            b = stated[2]  # "... scored 78 out of 100 overall" right below the rating
        elif stated and not (a <= stated[1] < b):
            apart = stated  # the points stated elsewhere ("a score of 70 points ...")
        ref = _cite(answerer, doc, a, b, cites, "answer", "Overall rating")
        if ref:
            said = f"{_quoted(text, a, b)} {ref}"
            more = _cite(answerer, doc, apart[1], apart[2], cites, "answer", "Overall rating") if apart else None
            if more:
                said += f" {_quoted(text, apart[1], apart[2])} {more}"
            lines.append(f"{md.authority or doc}: {said}")
            standing[lines[-1]] = (md.overall_points, md.overall_rating)
    if lines and part.intent == COMPARE and len(standing) == len(lines) > 1:
        # by points out of 100 when every one has them, else by the ratings' order
        by_points = all(pts is not None for pts, _ in standing.values())

        def place(line: str) -> int:
            pts, rating = standing[line]
            return -pts if by_points and pts is not None else cqc.OVERALL_RATINGS.index(rating)

        lowest = bool(_LOWER.search(part.text))  # "which was rated worse?": the lowest named
        first = (max if lowest else min)(lines, key=place)
        best = [line.split(":", 1)[0] for line in lines if place(line) == place(first)]
        said = f"{standing[first][0]} out of 100" if by_points else standing[first][1]
        lines.insert(0, f"{'Lowest' if lowest else 'Highest'} overall: {best[0]} ({said})." if len(best) == 1 else
                     f"Level overall: {' and '.join(best)} ({said}).")
    if lines:
        return "\n".join(lines), True
    who = " and ".join(u.authorities) if u.authorities else "any authority"
    _closest(answerer, [h for h in held(answerer, filters) if not u.authorities or h.md.authority in u.authorities][:3],
             cites)
    if points_asked:
        return f"The indexed reports don't give {who} a score out of 100.", False
    return f"The indexed reports don't give an overall rating for {who}; they hold scores for single quality " \
           "statements.", False


def _held_reports(answerer: Answerer, u: Understanding, filters: Filters,
                  cites: list[Citation]) -> tuple[str, bool]:
    """Which reports are held (of the authorities named), each cited at its title line."""
    lines = []
    for doc in answerer.index.manifest.reports:
        md = answerer.index.metadata(doc)
        if (u.authorities and md.authority not in u.authorities) or (filters.doc and filters.doc != doc):
            continue
        text = answerer.index.texts[doc]
        span = cqc.title_line(text)
        heading = _statement_heading(text) if md.kind == CQC_ASSESSMENT and md.quality_statement else None
        if heading and span and 0 <= heading[0] - span[1] <= 120:
            span = (span[0], heading[1])  # a statement's page: its title and the statement it is about, together
        else:
            span = heading or span
        if span is None:
            continue
        what = ", ".join(x for x in (md.authority, md.kind, md.published and f"published {md.published}") if x)
        ref = _cite(answerer, doc, *span, cites, "answer", "Title")
        if ref:
            lines.append(f"{doc} ({what}): {_quoted(text, *span)} {ref}")
        if len(lines) >= answerer.settings.max_citations:
            break
    if lines:
        return "Held: " + "\n".join(lines), True
    who = " and ".join(u.authorities) if u.authorities else "anyone"
    return f"No reports are held for {who}.", False


_KIND_WORDS = {"assessment": CQC_ASSESSMENT, "rating": CQC_ASSESSMENT, "cqc": CQC_ASSESSMENT,
               "inspection": CQC_ASSESSMENT, "plan": "council plan", "strategy": "council plan",
               "minutes": "committee minutes", "meeting": "committee minutes"}


def _published(answerer: Answerer, part: Part, u: Understanding, filters: Filters,
               cites: list[Citation]) -> tuple[str, bool]:
    """When the reports (of the authorities named, of the kind named) were published, each cited at the line
    that prints the date."""
    words = set(re.findall(r"[a-z]+", part.text.lower()))
    kinds = {k for w, k in _KIND_WORDS.items() if w in words}
    reports = [(doc, answerer.index.metadata(doc)) for doc in answerer.index.manifest.reports]
    reports = [(doc, md) for doc, md in reports
               if (not u.authorities or md.authority in u.authorities) and (not filters.doc or filters.doc == doc)
               and not md.superseded_by]
    if kinds and any(md.kind in kinds for _, md in reports):
        # of the kind named; when none of theirs is, the words named its subject ("the Wakefield article about
        # the CQC result"), not a kind of report
        reports = [(doc, md) for doc, md in reports if md.kind in kinds]
    lines = []
    for doc, md in reports:
        if md.published_start is None or md.published_end is None:
            continue
        text = answerer.index.texts[doc]
        ref = _cite(answerer, doc, md.published_start, md.published_end, cites, "answer", "Published")
        if ref:
            title = md.title or doc
            lines.append(f"{md.authority or doc} — {title}: “{text[md.published_start:md.published_end]}” {ref}")
        if len(lines) >= answerer.settings.max_citations:
            break
    if lines:
        return "\n".join(lines), True
    who = " and ".join(u.authorities) if u.authorities else "these reports"
    return f"The indexed reports don't print a publication date for {who}.", False


def _statement_heading(text: str) -> tuple[int, int] | None:
    """(start, end) of a statement page's heading: the line naming its quality statement."""
    for pos, line in cqc.lines(text[:3000]):
        if cqc.statement_of_line(line):
            lead = len(line) - len(line.lstrip())
            return pos + lead, pos + len(line.rstrip())
    return None


def _closest(answerer: Answerer, scores: list[Held], cites: list[Citation]) -> None:
    for h in scores:
        span = score_span(answerer.index.texts[h.doc], h)
        if span:
            _cite(answerer, h.doc, *span, cites, "closest", " > ".join(x for x in (h.statement, "Score") if x))


def score_rows(answerer: Answerer) -> list[dict]:
    """Every score held, for the scores view, with the earlier score where a newer report superseded one."""
    everything = held(answerer, Filters(), include_superseded=True)
    earlier = {(h.md.superseded_by, h.statement): h for h in everything if h.md.superseded_by}
    rows = []
    current, _ = _one_each([h for h in everything if not h.md.superseded_by])
    for h in sorted(current, key=lambda h: (-h.score, h.authority, h.statement or "")):
        text = answerer.index.texts[h.doc]
        span = score_span(text, h)
        row = {"authority": h.authority, "statement": h.statement or "unknown", "score": h.score,
               "descriptor": h.descriptor, "doc": h.doc, "start": span[0] if span else None,
               "end": span[1] if span else None, "quote": text[span[0]:span[1]] if span else None, "earlier": None,
               "report_hash": text_key(answerer.index.manifest.reports[h.doc].sha256)}
        old = earlier.get((h.doc, h.statement))
        if old:
            otext = answerer.index.texts[old.doc]
            ospan = score_span(otext, old)
            row["earlier"] = {"score": old.score, "doc": old.doc, "start": ospan[0] if ospan else None,
                              "end": ospan[1] if ospan else None, "quote": otext[ospan[0]:ospan[1]] if ospan else None,
                              "published": old.md.published,
                              "report_hash": text_key(answerer.index.manifest.reports[old.doc].sha256)}
        rows.append(row)
    return rows

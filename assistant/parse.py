"""Parsing reports by their structure into units: headings, score lines, paragraphs, table rows.

Three layouts are recognised:
- "cqc": a CQC local authority assessment (title, quality statement, "Score: N" and its descriptor,
  "What people expect", "The local authority commitment", "Key findings for this quality statement",
  optional sub-headings, paragraphs).
- "table": a plan laid out as tab-separated tables extracted from a PDF (the winter plan): themes,
  sub-headings and rows pairing an action with what the council is doing. The table header repeated after
  each page break is not content; rows and headings broken across a page break, a line wrap or a cell
  (a word cut by a tab) are joined into one unit.
- "generic": anything else, cut by langchain's recursive splitter.

Every unit records its source spans; each span's text is exactly `text[start:end]`, so a unit that was
broken across a page break is still cited exactly, piece by piece.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import cqc

CQC = "cqc"
TABLE = "table"
PROSE = "prose"
GENERIC = "generic"

# Unit kinds
SCORE = "score"
PARAGRAPH = "paragraph"
ROW = "row"
TEXT = "text"


@dataclass(frozen=True)
class Span:
    """A piece of the source: `text[start:end]`. `cell` is the table column it belongs to (0 for prose);
    `glue` joins it to the previous piece of the same cell: a space, or nothing where a word was cut."""

    start: int
    end: int
    cell: int = 0
    glue: str = " "


@dataclass(frozen=True)
class Unit:
    """One unit of meaning: a paragraph, a score with its descriptor, a table row."""

    kind: str
    section: tuple[str, ...]
    spans: tuple[Span, ...]
    cells: tuple[str, ...]  # the unit's text per cell (one cell for prose), pieces joined by their glue
    columns: tuple[str, ...] = ()  # for rows: the table header's column names
    # for a score: the quality statement and score it prints, or the overall rating ("Good")
    statement: str | None = None
    score: int | None = None
    rating: str | None = None


@dataclass(frozen=True)
class Heading:
    path: tuple[str, ...]  # the full section path this heading opens
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Parsed:
    layout: str
    units: tuple[Unit, ...]
    headings: tuple[Heading, ...] = field(default=())


def parse(text: str, fallback_chunk_chars: int = 600) -> Parsed:
    """Parse a report's decoded text into structural units."""
    layout = detect_layout(text)
    if layout in (CQC, PROSE):
        return _parse_lines(text, layout, fallback_chunk_chars)
    if layout == TABLE:
        return _parse_table(text)
    return _parse_generic(text, fallback_chunk_chars)


# --------------------------------------------------------------------------------------------- lines

@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # excluding the newline
    raw: str

    @property
    def stripped(self) -> str:
        return self.raw.strip()


def _lines(text: str) -> Iterator[_Line]:
    pos = 0
    for raw in text.split("\n"):
        yield _Line(pos, pos + len(raw), raw)
        pos += len(raw) + 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _join(pieces: list[tuple[str, str]]) -> str:
    out = ""
    for glue, piece in pieces:
        out = piece if not out else out + glue + piece
    return out


# --------------------------------------------------------------------------------------------- layout

_ASSESSMENT_TITLE = re.compile(r"^\s*.+?:\s*local authority assessment\s*$", re.I)
_KEY_FINDINGS = "Key findings for this quality statement"
_CQC_SECTIONS = ("What people expect", "The local authority commitment", _KEY_FINDINGS)
_CQC_NAME = re.compile(r"\b(?:Care Quality Commission|CQC)\b")


def detect_layout(text: str) -> str:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return GENERIC
    head = [ln for ln in lines[:40] if not cqc.is_chrome(ln) and not cqc.is_stamp(ln)]
    sections = {s.lower() for s in _CQC_SECTIONS}
    if any(_ASSESSMENT_TITLE.match(ln) for ln in head[:3]) or any(ln.strip() == _KEY_FINDINGS for ln in lines) \
            or (cqc.score_items(text) and (any(ln.strip().rstrip(":").lower() in sections for ln in lines)
                                           or _CQC_NAME.search(text))):
        return CQC
    tabbed = [ln for ln in lines if "\t" in ln.strip("\t ") or ln.startswith("\t")]
    if len(tabbed) >= max(3, len(lines) // 4) and _table_headers(lines):
        return TABLE
    if max(len(ln) for ln in lines) > 4 * _LONG_SENTENCE and len(lines) < 3:
        return GENERIC  # one unbroken block: no lines to read structure from
    return PROSE


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.rstrip("\n").split("\t")]


def _table_headers(lines: list[str]) -> set[str]:
    """Table header lines: tabbed lines of two or more non-empty cells that occur more than once (a header
    repeated after each page break), or that open a table (follow an untabbed line and are followed by
    rows of as many cells)."""
    counts = Counter(ln.strip() for ln in lines if "\t" in ln.strip())
    headers = {ln for ln, n in counts.items() if n >= 2 and sum(1 for c in _cells(ln) if c) >= 2}
    content = [ln for ln in lines if ln.strip()]
    for i in range(1, len(content) - 1):
        here, before, after = content[i], content[i - 1], content[i + 1]
        n = len([c for c in _cells(here) if c])
        if "\t" in here.strip() and "\t" not in before and n >= 2 and len(_cells(after)) == len(_cells(here)):
            headers.add(here.strip())
    return headers


# --------------------------------------------------------------------------------------------- CQC and prose

_TERMINAL = ".!?:;"
BULLET = re.compile(r"^\s*(?:[•·▪◦*\-–]|\(?\d{1,2}[.)]|\(?[a-z][.)])(?:\s+|$)")
# A sentence longer than this is not prose the sentence splitter can cut: it goes to the recursive splitter.
_LONG_SENTENCE = 1500


def _is_subheading(line: str, next_line: str | None) -> bool:
    """A short title-like line followed by a longer paragraph: 'Safety management', 'Contingency planning', or a
    list's heading followed by its items ('Indicators requiring further improvement:'). Not a field of a form
    ("Date of decision: 28/11/2023") nor a list item."""
    s = line.strip()
    if s.endswith(":") and next_line is not None and (BULLET.match(next_line) or len(next_line.strip()) > len(s) + 20):
        # the heading of a list ("Indicators requiring further improvement:" above its items) or a label above
        # its paragraph ("Reason for Decision:")
        s = s[:-1].rstrip()
    if not s or len(s) > 80 or s[-1] in _TERMINAL or not s[0].isupper() or len(s.split()) > 10 or BULLET.match(s) \
            or re.search(r"\w: \S", s) or cqc.is_stamp(s) or cqc.ends_mid_sentence(line.strip()):
        return False  # (nor a line that stops mid-sentence, "A Member questioned that, with a CQC score of": wrapped)
    return next_line is not None and (len(next_line.strip()) > len(s) + 20 or bool(BULLET.match(next_line)))


def _is_sentence(line: str) -> bool:
    """A full sentence, not a title: ends with a full stop and runs to a dozen words ("CHESHIRE West and Chester
    Adult Social Care is consistently delivering services above the minimum required for its 11,000 service
    users.")."""
    s = line.strip()
    return s.endswith((".", "!")) and len(s.split()) >= 12


def _continues(prev: str, line: str, wrap: float | None = None) -> bool:
    """Does `line` carry on the paragraph `prev` ended (a line hard-wrapped in a PDF, or the indented rest of a
    bullet), rather than start a new one? `wrap` is the width a hard-wrapped text's lines run to, if it is one."""
    p, s = prev.rstrip(), line.strip()
    if not p or not s or p[-1] in _TERMINAL or BULLET.match(line):
        return False
    if cqc.ends_mid_sentence(p):
        return True  # "... the first round of" / "CQC assessments ...": no sentence ends there
    if s[0].islower() and p[-1] not in ",":
        return True  # a sentence that runs on in lower case after a line with no full stop: a narrow column's wrap
    if wrap and len(p) >= 0.6 * wrap:
        return True  # a line about as long as the text's wrapped lines, with no full stop: wrapped too
    wrapped = len(p) >= 50  # a long line that stops mid-sentence was wrapped
    indented = line[:1].isspace() and BULLET.match(prev) is not None  # the rest of a bullet
    return wrapped and (s[0].islower() or s[0].isdigit() or indented or not s[0].isupper() or len(p) >= 70)


def _wrap_width(lines: list[_Line]) -> float | None:
    """If the text is hard-wrapped (minutes copied from a PDF: sentences run on in lower case on the next line,
    again and again), the median length its wrapped lines run to; else None."""
    wrapped, open_ends = [], 0
    for prev, ln in zip(lines, lines[1:], strict=False):
        p, s = prev.raw.rstrip(), ln.stripped
        if ln.start != prev.end + 1 or not p or p[-1] in _TERMINAL or BULLET.match(ln.raw):
            continue
        open_ends += 1
        if s[0].islower():
            wrapped.append(len(p))
    if len(wrapped) >= 3 and len(wrapped) >= 0.4 * open_ends:
        return sorted(wrapped)[len(wrapped) // 2]
    return None


def _parse_lines(text: str, layout: str, chunk_chars: int) -> Parsed:
    """Reports read line by line: CQC pages (statement headings, CQC's sections, score lines and lists, an
    overall rating) and any other prose (committee minutes, plans, web pages): a title, headings (short
    title-like lines, Markdown "#"), paragraphs (a line, or lines hard-wrapped into one), bullets. Page
    furniture ("Downloads", "Toggle menu", "Agenda item") is skipped."""
    sections = {s.lower(): s for s in _CQC_SECTIONS}
    items = cqc.score_items(text)
    rating = cqc.overall_rating(text)
    taken: list[tuple[int, int]] = [(i.start, i.end) for i in items]
    rated: tuple[int, int] | None = None  # the overall rating's unit
    if rating and not any(a <= rating.start < b for a, b in taken):
        end = rating.end
        points = cqc.points_line(text)
        if points and points[1] >= end and not text[end:points[1]].strip():
            end = points[2]
        rated = (rating.start, end)
        if not rating.prose:  # a rating line is the rating's alone; a sentence stays prose too
            taken.append(rated)
    elif rating:
        rated = next((a, b) for a, b in taken if a <= rating.start < b)
    lines = [ln for ln in _lines(text) if ln.stripped and not cqc.is_chrome(ln.raw)
             and not any(a <= ln.start + (len(ln.raw) - len(ln.raw.lstrip())) < b for a, b in taken)]
    units: list[Unit] = []
    headings: list[Heading] = []
    root: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    para: list[_Line] = []

    def span(ln: _Line) -> Span:
        a, b = _trimmed(text, ln.start, ln.end)
        return Span(a, b)

    def flush() -> None:
        if not para:
            return
        a, b = _trimmed(text, para[0].start, para[-1].end)
        para.clear()
        if b - a > _LONG_SENTENCE and max((e - s for s, e in chunk_mod_sentences(text, a, b)), default=0) \
                > _LONG_SENTENCE:
            units.extend(_split_generic(text, a, b, path, chunk_chars))
        else:
            units.append(Unit(PARAGRAPH, path, (Span(a, b),), (text[a:b],)))

    first = True
    wrap = _wrap_width(lines)
    for i, ln in enumerate(lines):
        s = ln.stripped
        key = re.sub(r"\s+", " ", s).rstrip(":").strip().lower()
        nxt = lines[i + 1].raw if i + 1 < len(lines) else None
        md = _MD_HEADING.match(s)
        statement = cqc.statement_of_line(s)
        if first and not (statement and layout == CQC) and not cqc.ends_mid_sentence(s) and not _is_sentence(s):
            # the title (a statement page may open with its statement; a news story may open with a sentence,
            # and a first line cut mid-sentence is prose)
            first = False
            headings.append(Heading((cqc.strip_heading(s),), (span(ln),)))
            continue
        first = False
        if para and not md and not statement and key not in sections and _continues(para[-1].raw, ln.raw, wrap) \
                and ln.start == para[-1].end + 1:
            para.append(ln)
            continue
        flush()
        if _THEME.match(s) and len(s) <= 100:  # "Theme 1: Working with people"
            theme = (s,)
            root = path = theme
            headings.append(Heading(path, (span(ln),)))
        elif statement and layout == CQC:
            root = theme + (statement,)
            path = root
            headings.append(Heading(path, (span(ln),)))
        elif key in sections:
            path = root + (sections[key],)
            headings.append(Heading(path, (span(ln),)))
        elif md:
            level, title = len(md.group(1)), md.group(2)
            path = (root + path[len(root):][: level - 1] + (title,))
            headings.append(Heading(path, (span(ln),)))
        elif _is_subheading(s, nxt):
            path = (path[: len(root) + 1] if len(path) > len(root) and layout == CQC else root) + (s.rstrip(": "),)
            headings.append(Heading(path, (span(ln),)))
        else:
            para.append(ln)
    flush()
    for item in items:
        units.append(_score_unit(text, item, theme))
    if rated:
        a, b = rated
        units.append(Unit(SCORE, ("Overall rating",), _line_spans(text, a, b), (_flat_lines(text, a, b),),
                          rating=rating.rating if rating else None))
    units.sort(key=lambda u: u.spans[0].start)
    return Parsed(layout, tuple(units), tuple(headings))


def _line_spans(text: str, a: int, b: int) -> tuple[Span, ...]:
    """text[a:b] as one span per non-blank line, each trimmed."""
    out = []
    pos = a
    for line in text[a:b].split("\n"):
        s, e = _trimmed(text, pos, pos + len(line))
        if e > s:
            out.append(Span(s, e))
        pos += len(line) + 1
    return tuple(out)


def _flat_lines(text: str, a: int, b: int) -> str:
    return " ".join(text[sp.start:sp.end] for sp in _line_spans(text, a, b))


def _score_unit(text: str, item: cqc.ScoreItem, theme: tuple[str, ...]) -> Unit:
    section = (*theme, item.statement, "Score") if item.statement else ("Score",)
    return Unit(SCORE, section, _line_spans(text, item.start, item.end), (_flat_lines(text, item.start, item.end),),
                statement=item.statement, score=item.score)


def chunk_mod_sentences(text: str, a: int, b: int) -> list[tuple[int, int]]:
    from .chunk import sentence_spans

    return sentence_spans(text, a, b)


# --------------------------------------------------------------------------------------------- tables

_THEME = re.compile(r"^Theme\s+\d+\s*:", re.I)
# A line wrapped inside a narrow table column is at most about this long (measured on the winter plan,
# whose wrapped cells run 40 to 57 characters); longer cells are whole lines of a wide table.
_WRAP_MAX = 62
_WRAP_MIN = 30


@dataclass
class _Piece:
    cell: int
    start: int
    end: int
    raw_start: int  # the cell's extent before trimming: tells a word cut from a cell starting with a space
    raw_end: int


def _pieces(ln: _Line, text: str) -> list[_Piece]:
    out = []
    pos = ln.start
    for i, raw in enumerate(ln.raw.split("\t")):
        s, e = _trimmed(text, pos, pos + len(raw))
        if e > s:
            out.append(_Piece(i, s, e, pos, pos + len(raw)))
        pos += len(raw) + 1
    return out


@dataclass
class _Row:
    section: tuple[str, ...]
    columns: tuple[str, ...]
    spans: list[Span] = field(default_factory=list)

    def add(self, piece: _Piece, glue: str = " ") -> None:
        self.spans.append(Span(piece.start, piece.end, piece.cell, glue))

    def unit(self, text: str) -> Unit:
        ncells = max(len(self.columns), max(sp.cell for sp in self.spans) + 1)
        cells = tuple(_join([(sp.glue, text[sp.start:sp.end]) for sp in self.spans if sp.cell == c])
                      for c in range(ncells))
        return Unit(ROW, self.section, tuple(self.spans), cells, self.columns)


def _is_wrapped(pieces: list[_Piece], text: str) -> bool:
    """Was this line a wrapped fragment of a narrow table (so its row likely goes on below)?"""
    if not pieces or pieces[0].cell != 0:
        return False
    first = text[pieces[0].start:pieces[0].end]
    return (all(p.end - p.start <= _WRAP_MAX for p in pieces) and len(first) >= _WRAP_MIN
            and first[-1] not in _TERMINAL)


def _starts_lower(s: str) -> bool:
    return bool(s) and s[0].islower()


def _word_cut(pieces: list[_Piece], text: str) -> bool:
    """'clinically extremely vulne<TAB>rable': two cells, no space either side of the tab, the second a
    short lower-case remainder."""
    if len(pieces) != 2 or [p.cell for p in pieces] != [0, 1]:
        return False
    a, b = pieces
    rest = text[b.start:b.end]
    return (a.end == a.raw_end and b.start == b.raw_start and text[a.end - 1].isalpha()
            and rest[0].islower() and len(rest) <= 30 and rest[-1] not in _TERMINAL)


def _parse_table(text: str) -> Parsed:
    all_lines = list(_lines(text))
    headers = _table_headers([ln.raw for ln in all_lines])
    units: list[Unit] = []
    headings: list[Heading] = []
    top: tuple[str, ...] = ()  # theme or top-level heading
    path: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    row: _Row | None = None
    prev_wrapped = False
    seen_title = False

    def close() -> None:
        nonlocal row, prev_wrapped
        if row is not None and row.spans:
            units.append(row.unit(text))
        row = None
        prev_wrapped = False

    for ln in all_lines:
        s = ln.stripped
        if not s:
            continue
        if not seen_title:
            seen_title = True
            st, en = _trimmed(text, ln.start, ln.end)
            headings.append(Heading((s,), (Span(st, en),)))
            continue
        if s in headers:
            columns = tuple(c for c in _cells(s) if c)
            continue  # a page-break header: an open row may go on below it
        if "\t" not in ln.raw:
            close()
            st, en = _trimmed(text, ln.start, ln.end)
            if _THEME.match(s) or (len(s) <= 80 and s[-1] not in _TERMINAL and s[0].isupper()):
                top = (s,)
                path = top
                headings.append(Heading(path, (Span(st, en),)))
            else:
                units.append(Unit(PARAGRAPH, path, (Span(st, en),), (s,)))
            continue
        pieces = _pieces(ln, text)
        first = text[pieces[0].start:pieces[0].end] if pieces[0].cell == 0 else ""
        second = next((text[p.start:p.end] for p in pieces if p.cell == 1), "")
        if row is not None and (not first or _starts_lower(first)
                                or (prev_wrapped and (not second or _starts_lower(second)))):
            for p in pieces:  # a continuation: each piece goes on its own cell
                row.add(p)
        elif _word_cut(pieces, text):
            close()
            a, b = pieces
            path = top + (text[a.start:a.end] + text[b.start:b.end],)
            headings.append(Heading(path, (Span(a.start, a.end), Span(b.start, b.end, 0, ""))))
            continue
        elif len(pieces) == 1 and pieces[0].cell == 0:
            close()
            p = pieces[0]
            path = top + (text[p.start:p.end],)
            headings.append(Heading(path, (Span(p.start, p.end),)))
            continue
        else:
            close()
            row = _Row(path, columns)
            for p in pieces:
                row.add(p)
        prev_wrapped = _is_wrapped(pieces, text)
    close()
    return Parsed(TABLE, tuple(units), tuple(headings))


# --------------------------------------------------------------------------------------------- generic

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


def _split_generic(text: str, a: int, b: int, section: tuple[str, ...], chunk_chars: int) -> list[Unit]:
    """text[a:b] cut by langchain's recursive splitter, with exact offsets."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_chars, chunk_overlap=chunk_chars // 10,
                                              add_start_index=True)
    units: list[Unit] = []
    search_from = a
    for doc in splitter.create_documents([text[a:b]]):
        chunk = doc.page_content
        start = a + doc.metadata.get("start_index", -1)
        if start < a or text[start:start + len(chunk)] != chunk:
            start = text.find(chunk, search_from, b)
        if start < 0:  # cannot happen with a splitter that returns substrings; never cite a guess
            continue
        search_from = start + 1
        st, en = _trimmed(text, start, start + len(chunk))
        if en > st:
            units.append(Unit(TEXT, section, (Span(st, en),), (text[st:en],)))
    return units


def _parse_generic(text: str, chunk_chars: int) -> Parsed:
    """Text with no lines to read structure from: the recursive splitter, with Markdown headings as sections."""
    marks: list[tuple[int, int, str]] = [(m.start(), len(m.group(1)), m.group(2))
                                         for m in _MD_HEADING.finditer(text)]
    headings = [Heading((h,), (Span(pos + text[pos:].index(h), pos + text[pos:].index(h) + len(h)),))
                for pos, _, h in marks]
    units: list[Unit] = []
    for u in _split_generic(text, 0, len(text), (), chunk_chars):
        section: tuple[str, ...] = ()
        for pos, level, title in marks:
            if pos > u.spans[0].start:
                break
            section = section[: level - 1] + (title,)
        units.append(Unit(TEXT, section, u.spans, u.cells))
    return Parsed(GENERIC, tuple(units), tuple(headings))

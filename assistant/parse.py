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

from .metadata import QUALITY_STATEMENTS

CQC = "cqc"
TABLE = "table"
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
    if layout == CQC:
        return _parse_cqc(text)
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
_SCORE_LINE = re.compile(r"^\s*(?:Indicative\s+)?Score:?\s*[1-4]\s*$", re.I)
_DESCRIPTOR_LINE = re.compile(r"^\s*[1-4]\s*-\s*Evidence shows\b", re.I)
# Page furniture of cqc.org.uk pages: not content.
_CQC_NOISE = {"downloads", "© care quality commission"}


def detect_layout(text: str) -> str:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return GENERIC
    head = lines[:40]
    if any(_ASSESSMENT_TITLE.match(ln) for ln in head[:3]) or any(ln.strip() == _KEY_FINDINGS for ln in lines) \
            or (any(_SCORE_LINE.match(ln) for ln in head) and any(ln.strip() in _CQC_SECTIONS for ln in lines)):
        return CQC
    tabbed = [ln for ln in lines if "\t" in ln.strip("\t ") or ln.startswith("\t")]
    if len(tabbed) >= max(3, len(lines) // 4) and _table_headers(lines):
        return TABLE
    return GENERIC


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


# --------------------------------------------------------------------------------------------- CQC

_TERMINAL = ".!?:;"


def _is_subheading(line: str, next_line: str | None) -> bool:
    """A short title-like line followed by a longer paragraph: 'Safety management', 'Contingency planning'."""
    s = line.strip()
    if not s or len(s) > 80 or s[-1] in _TERMINAL or not s[0].isupper() or len(s.split()) > 10:
        return False
    return next_line is not None and len(next_line.strip()) > len(s) + 20


def _parse_cqc(text: str) -> Parsed:
    statements = {s.lower(): s for s in QUALITY_STATEMENTS}
    sections = {s.lower(): s for s in _CQC_SECTIONS}
    lines = [ln for ln in _lines(text) if ln.stripped]
    units: list[Unit] = []
    headings: list[Heading] = []
    root: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    score_spans: list[Span] = []

    def flush_score() -> None:
        if score_spans:
            units.append(Unit(SCORE, root + ("Score",), tuple(score_spans),
                              (_join([(" ", text[sp.start:sp.end]) for sp in score_spans]),)))
            score_spans.clear()

    def span(ln: _Line) -> Span:
        s, e = _trimmed(text, ln.start, ln.end)
        return Span(s, e)

    for i, ln in enumerate(lines):
        s = ln.stripped
        key = re.sub(r"\s+", " ", s).lower()
        nxt = lines[i + 1].raw if i + 1 < len(lines) else None
        if key in _CQC_NOISE:
            continue
        if i == 0 and _ASSESSMENT_TITLE.match(s):
            headings.append(Heading((s,), (span(ln),)))
            continue
        if _SCORE_LINE.match(s) or (_DESCRIPTOR_LINE.match(s) and score_spans):
            score_spans.append(span(ln))
            continue
        flush_score()
        if _THEME.match(s) and len(s) <= 100:  # "Theme 1: Working with people" on summary pages
            theme = (s,)
            root = path = theme
            headings.append(Heading(path, (span(ln),)))
        elif key in statements:
            root = theme + (statements[key],)
            path = root
            headings.append(Heading(path, (span(ln),)))
        elif key in sections:
            path = root + (sections[key],)
            headings.append(Heading(path, (span(ln),)))
        elif _is_subheading(s, nxt) and len(path) > len(root):
            path = path[: len(root) + 1] + (s,)
            headings.append(Heading(path, (span(ln),)))
        else:
            sp = span(ln)
            units.append(Unit(PARAGRAPH, path, (sp,), (text[sp.start:sp.end],)))
    flush_score()
    return Parsed(CQC, tuple(units), tuple(headings))


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


def _parse_generic(text: str, chunk_chars: int) -> Parsed:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_chars, chunk_overlap=chunk_chars // 10,
                                              add_start_index=True)
    # Markdown headings give generic documents a section path too.
    marks: list[tuple[int, int, str]] = [(m.start(), len(m.group(1)), m.group(2))
                                         for m in _MD_HEADING.finditer(text)]
    headings = [Heading((h,), (Span(pos + text[pos:].index(h), pos + text[pos:].index(h) + len(h)),))
                for pos, _, h in marks]
    units: list[Unit] = []
    search_from = 0
    for doc in splitter.create_documents([text]):
        chunk = doc.page_content
        start = doc.metadata.get("start_index", -1)
        if start < 0 or text[start:start + len(chunk)] != chunk:
            start = text.find(chunk, search_from)
        if start < 0:  # cannot happen with a splitter that returns substrings; never cite a guess
            continue
        search_from = start + 1
        st, en = _trimmed(text, start, start + len(chunk))
        if en <= st:
            continue
        section: tuple[str, ...] = ()
        for pos, level, title in marks:
            if pos > st:
                break
            section = section[: level - 1] + (title,)
        units.append(Unit(TEXT, section, (Span(st, en),), (text[st:en],)))
    return Parsed(GENERIC, tuple(units), tuple(headings))

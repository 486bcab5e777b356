"""Chunks: the passages that are embedded, searched and cited.

Prose paragraphs are cut into runs of whole sentences of about `chunk_chars`; a score (with its descriptor)
and a table row are one chunk each, whatever their length, because cutting them would separate an action
from what the council does about it. Every chunk keeps its source spans and its section path.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

from .cqc import SCORE_DESCRIPTORS, SCORE_WORDS
from .metadata import Metadata
from .parse import PARAGRAPH, ROW, SCORE, TEXT, Parsed, Span, Unit

# Bump when chunk boundaries, embedded text, the words indexed or detected metadata change: an index built by
# another version is stale.
CHUNKER_VERSION = "23"

# A sentence ends at . ! or ? (and any closing quote or bracket), followed by space and a capital,
# digit, opening quote or bullet. Abbreviations followed by lower case ("e.g. the") do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'’”)\]]*\s+(?=[A-Z0-9‘“'\"(•])")


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: sha256 of the report's hash and the spans
    doc: str  # the report's file name in corpus/
    kind: str  # score | paragraph | row | text
    section: tuple[str, ...]
    spans: tuple[Span, ...]
    start: int  # first span's start
    end: int  # last span's end: text[start:end] is the passage as it stands in the report
    line_start: int  # 1-based lines of start and of the last character
    line_end: int
    text: str  # the passage's own words: cells on their own lines, pieces joined across breaks
    context: str  # report title and section path: embedded and indexed with the text, never quoted
    columns: tuple[str, ...] = ()
    # Sentences of a prose chunk, as (start, end): the units an answer quotes. Empty for a row or a score,
    # which are quoted whole.
    sentences: tuple[tuple[int, int], ...] = ()

    @property
    def embed_text(self) -> str:
        return f"{self.context}\n{self.labelled_text}"

    @property
    def labelled_text(self) -> str:
        """Rows with their column names ("Actions Required by Local Authorities: ..."), prose as is."""
        if self.kind != ROW or not self.columns:
            return self.text
        cells = self.text.split("\n")
        return "\n".join(f"{col}: {cell}" for col, cell in zip(self.columns, cells, strict=False) if cell)


def segments(text: str, spans: tuple[Span, ...]) -> list[tuple[int, int]]:
    """The spans merged where only whitespace lies between them: the exact passages to quote. A row broken
    by a page break gives two segments, so the repeated header between them is never quoted."""
    out: list[list[int]] = []
    for s in spans:
        if out and not text[out[-1][1]:s.start].strip():
            out[-1][1] = max(out[-1][1], s.end)
        else:
            out.append([s.start, s.end])
    return [(a, b) for a, b in out]


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as absolute spans without surrounding whitespace."""
    out = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return [(s, e) for s, e in out if e > s]


def _pack(sentences: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Consecutive sentences grouped greedily into runs of at most `limit` characters; a sentence longer
    than the limit is a run of its own, never cut."""
    runs: list[tuple[int, int]] = []
    run_start, run_end = sentences[0]
    for s, e in sentences[1:]:
        if e - run_start > limit:
            runs.append((run_start, run_end))
            run_start = s
        run_end = e
    runs.append((run_start, run_end))
    return runs


class LineIndex:
    """1-based line numbers of character offsets."""

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def context_of(meta: Metadata, doc: str, section: tuple[str, ...]) -> str:
    head = meta.title or meta.authority or doc
    if meta.authority and meta.authority.lower() not in head.lower():
        head = f"{meta.authority}: {head}"
    return " > ".join((head, *section)) if section else head


def score_context(meta: Metadata, unit: Unit) -> str:
    """What a score line means, in the words people ask with: embedded and indexed with the line (never
    quoted), so "what mark did X get" finds "Score: 3" / "3 - Evidence shows a good standard"."""
    who = meta.authority or meta.title or ""
    if unit.rating:
        return f"{who} overall CQC rating {unit.rating}: rated {unit.rating.lower()} overall"
    if unit.score is None:
        return ""
    n = unit.score
    return (f"{who} {unit.statement or ''} CQC score {n} out of 4, {SCORE_WORDS[n]}: {SCORE_DESCRIPTORS[n]}; "
            f"rating, mark, grade")


def chunk_report(doc: str, sha256: str, text: str, parsed: Parsed, meta: Metadata,
                 chunk_chars: int) -> list[Chunk]:
    """Cut a parsed report into chunks."""
    lines = LineIndex(text)
    chunks: list[Chunk] = []

    def make(unit: Unit, spans: tuple[Span, ...], body: str, prose: bool) -> Chunk:
        key = f"{sha256}:" + ",".join(f"{s.start}-{s.end}" for s in spans)
        return Chunk(
            id=hashlib.sha256(key.encode()).hexdigest()[:16], doc=doc, kind=unit.kind,
            section=unit.section, spans=spans, start=spans[0].start, end=spans[-1].end,
            line_start=lines.line(spans[0].start), line_end=lines.line(spans[-1].end - 1),
            text=body, columns=unit.columns,
            context=context_of(meta, doc, unit.section) + (f" — {score_context(meta, unit)}" if unit.kind == SCORE
                                                           else ""),
            sentences=tuple(sentence_spans(text, spans[0].start, spans[0].end)) if prose else ())

    for unit in parsed.units:
        if unit.kind == PARAGRAPH and len(unit.spans) == 1:
            span = unit.spans[0]
            for s, e in _pack(sentence_spans(text, span.start, span.end), chunk_chars):
                chunks.append(make(unit, (Span(s, e),), text[s:e], prose=True))
        else:
            chunks.append(make(unit, unit.spans, "\n".join(unit.cells), prose=unit.kind == TEXT))
    return chunks

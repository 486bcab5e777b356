"""Chunks: exact offsets for every chunk of every report, sentence packing, line numbers."""

from __future__ import annotations

import pytest
from conftest import CORPUS, text_of

from assistant.chunk import chunk_report, sentence_spans
from assistant.metadata import detect
from assistant.parse import PARAGRAPH, ROW, parse

DOCS = sorted(p.name for p in CORPUS.glob("*.txt"))


def chunks_of(doc: str, chunk_chars: int = 400):
    text = text_of(doc)
    return text, chunk_report(doc, "sha", text, parse(text), detect(text), chunk_chars)


@pytest.mark.parametrize("doc", DOCS)
def test_every_span_of_every_chunk_is_exact_source_text(doc):
    text, chunks = chunks_of(doc)
    assert chunks
    for c in chunks:
        assert c.start == c.spans[0].start and c.end == c.spans[-1].end
        prev_end = -1
        for s in c.spans:
            piece = text[s.start:s.end]
            assert piece and piece == piece.strip()
            assert s.start >= prev_end  # in source order, never overlapping
            prev_end = s.end
        # the chunk's text is made of its spans' text and nothing else
        cells: dict[int, str] = {}
        for s in c.spans:
            cells[s.cell] = text[s.start:s.end] if s.cell not in cells else cells[s.cell] + s.glue + text[s.start:s.end]
        assert [cells[k] for k in sorted(cells)] == [x for x in c.text.split("\n") if x]


@pytest.mark.parametrize("doc", DOCS)
def test_line_numbers_match_offsets(doc):
    text, chunks = chunks_of(doc)
    for c in chunks:
        assert c.line_start == text.count("\n", 0, c.start) + 1
        assert c.line_end == text.count("\n", 0, c.end - 1) + 1
        assert c.line_start <= c.line_end


@pytest.mark.parametrize("doc", DOCS)
def test_prose_chunks_cover_each_paragraph_without_loss(doc):
    text, chunks = chunks_of(doc)
    for unit in parse(text).units:
        if unit.kind != PARAGRAPH:
            continue
        (span,) = unit.spans
        inside = [c for c in chunks if span.start <= c.start and c.end <= span.end]
        assert " ".join(c.text for c in inside).split() == text[span.start:span.end].split()


def test_prose_chunks_respect_the_size_unless_one_sentence_is_longer():
    text, chunks = chunks_of("001_d6b23fda1bcedbce.txt", chunk_chars=300)
    for c in chunks:
        if c.kind == PARAGRAPH and len(c.text) > 300:
            assert len(sentence_spans(text, c.start, c.end)) == 1


def test_rows_are_never_cut():
    text, chunks = chunks_of("004_2dd4222f7e7a0857.txt", chunk_chars=100)
    rows = [c for c in chunks if c.kind == ROW]
    assert len(rows) == 71


def test_chunk_ids_are_stable_and_unique():
    _, a = chunks_of("000_cc368b11dbfad350.txt")
    _, b = chunks_of("000_cc368b11dbfad350.txt")
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)


def test_sentence_splitting_keeps_abbreviations_and_quotes():
    text = "Staff said it worked, e.g. at night. ‘Home from hospital’ helped. 87% agreed."
    got = [text[s:e] for s, e in sentence_spans(text, 0, len(text))]
    assert got == ["Staff said it worked, e.g. at night.", "‘Home from hospital’ helped.", "87% agreed."]


def test_context_names_the_report_and_section_but_is_not_the_quote():
    text, chunks = chunks_of("001_d6b23fda1bcedbce.txt")
    c = next(c for c in chunks if c.section[-1:] == ("Contingency planning",))
    assert "Contingency planning" in c.context
    assert c.context not in text
    assert c.embed_text.endswith(c.text)

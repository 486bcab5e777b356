"""Reports as they really arrive: PDF, Word, HTML (fixtures made here), CQC's layouts, and versions."""

from __future__ import annotations

import re

import makedocs
import pytest
from conftest import DERBYSHIRE, WINTER
from fakes import FakeEmbedder

from assistant import admin, store
from assistant.answer import Answerer
from assistant.corpus import scan, text_path
from assistant.extract import ExtractError, extract, page_of
from assistant.metadata import COUNCIL_PLAN, CQC_ASSESSMENT, detect
from assistant.parse import ROW, TABLE, parse
from assistant.retrieve import Filters
from assistant.scores import score_rows

# ------------------------------------------------------------------------------------------ extraction

def test_pdf_table_across_a_page_break_keeps_rows_whole_and_pages_right():
    e = extract("plan.pdf", makedocs.plan_pdf())
    assert e.format == "pdf" and len(e.pages) == 2
    p = parse(e.text)
    assert p.layout == TABLE
    rows = [u for u in p.units if u.kind == ROW]
    assert [r.cells for r in rows] == [tuple(r) for r in makedocs.PLAN_ROWS[1:]]
    assert all(u.columns == makedocs.PLAN_ROWS[0] for u in rows)  # the repeated header is not content
    assert [page_of(e.pages, r.spans[0].start) for r in rows] == [1, 1, 2]


def test_pdf_paragraphs_are_reflowed_and_cqc_structure_found():
    e = extract("cqc.pdf", makedocs.cqc_pdf(pages=3))
    assert len(e.pages) == 3
    lines = e.text.splitlines()
    assert lines[:4] == ["Wessexshire County Council: local authority assessment",
                         "Safe pathways, systems and transitions", "Score: 3", "3 - Evidence shows a good standard"]
    assert makedocs.CQC_PARAGRAPHS[0] in lines  # a wrapped paragraph is one line again
    m = detect(e.text)
    assert (m.authority, m.score, m.quality_statement) == ("Wessexshire County Council", 3,
                                                           "Safe pathways, systems and transitions")


def test_word_table_rows_are_units():
    e = extract("plan.docx", makedocs.plan_docx())
    p = parse(e.text)
    assert p.layout == TABLE and e.pages == ()
    assert [u.cells for u in p.units if u.kind == ROW] == [tuple(r) for r in makedocs.PLAN_ROWS[1:]]
    assert detect(e.text).kind == COUNCIL_PLAN


def test_html_page_keeps_content_and_drops_page_furniture():
    e = extract("page.html", makedocs.cqc_html())
    assert "Home" not in e.text and "Cookies" not in e.text and "tracking" not in e.text and "color:red" not in e.text
    assert "maintain safe systems of care." in e.text  # inline <strong> stays in its sentence
    m = detect(e.text)
    assert (m.authority, m.score, m.published) == ("Wessexshire", 2, "2025-03-14")
    assert parse(e.text).layout == "cqc"


@pytest.mark.parametrize("name,data,message", [
    ("locked.pdf", makedocs.encrypted_pdf(), "encrypted"),
    ("scan.pdf", makedocs.scanned_pdf(), "no text layer"),
    ("broken.docx", makedocs.plan_docx()[:400], "not a readable Word .docx"),
    ("bomb.docx", makedocs.zip_bomb_docx(150_000_000), "zip bomb"),
    ("report.docx", makedocs.cqc_pdf(), "named .docx but it is a PDF"),
    ("report.pdf", b"Just some text pretending", "named .pdf but it is text"),
    ("damaged.pdf", makedocs.cqc_pdf()[:300], "PDF"),
    ("sheet.xlsx", b"PK\x03\x04", "unsupported file type"),
])
def test_unreadable_files_are_refused_with_what_is_wrong(name, data, message):
    with pytest.raises(ExtractError, match=message):
        extract(name, data)


# ------------------------------------------------------------------------------------------ corpus and index

@pytest.fixture
def mixed(settings):
    c = settings.corpus_dir
    (c / "wessex-plan.pdf").write_bytes(makedocs.plan_pdf())
    (c / "wessex-cqc.pdf").write_bytes(makedocs.cqc_pdf(pages=3))
    (c / "wessex-plan.docx").write_bytes(makedocs.plan_docx())
    (c / "wessex-page.html").write_bytes(makedocs.cqc_html(authority="Avonshire"))
    (c / "locked.pdf").write_bytes(makedocs.encrypted_pdf())
    return settings


def test_every_format_indexes_with_exact_offsets_into_its_stored_text(mixed):
    result = store.build(mixed, FakeEmbedder())
    assert "encrypted" in result.skipped["locked.pdf"]
    index = store.load(mixed)
    for doc in ("wessex-plan.pdf", "wessex-cqc.pdf", "wessex-plan.docx", "wessex-page.html"):
        stored = text_path(mixed.corpus_dir, doc).read_text(encoding="utf-8")
        assert stored == index.texts[doc]
        chunks = [c for c in index.chunks if c.doc == doc]
        assert chunks
        for c in chunks:
            for s in c.spans:
                assert stored[s.start:s.end] and stored[s.start:s.end] == index.texts[doc][s.start:s.end]
    assert index.manifest.reports["wessex-plan.pdf"].pages == [0, index.manifest.reports["wessex-plan.pdf"].pages[1]]


def test_pdf_citations_carry_the_page(mixed):
    store.build(mixed, FakeEmbedder())
    answerer = Answerer(store.load(mixed), FakeEmbedder(), mixed)
    a = answerer.ask("Carers First helpline Wessexshire", Filters(doc="wessex-plan.pdf"))
    c = a.citations[0]
    assert c.doc == "wessex-plan.pdf" and c.page_start == c.page_end == 2
    a = answerer.ask("PPE Hub Marlow Road", Filters(doc="wessex-plan.pdf"))
    assert a.citations[0].page_start == 1
    assert answerer.ask("Carers First helpline", Filters(doc="wessex-plan.docx")).citations[0].page_start is None


def test_the_same_text_under_another_name_or_format_is_a_duplicate(settings):
    c = settings.corpus_dir
    (c / "copy-of-derbyshire.md").write_text((c / DERBYSHIRE).read_text(encoding="utf-8").replace("\n", "\n\n"),
                                             encoding="utf-8")
    (c / "plan-a.docx").write_bytes(makedocs.plan_docx())
    (c / "plan-b.html").write_bytes(
        b"<html><body>" + b"".join(f"<p>{line}</p>".encode() for line in
                                   extract("x.docx", makedocs.plan_docx()).text.replace("\t", " ").splitlines())
        + b"</body></html>")
    result = store.build(settings, FakeEmbedder())
    assert "the same text as 000_cc368b11dbfad350.txt" in result.skipped["copy-of-derbyshire.md"]
    assert "the same text as plan-a.docx" in result.skipped["plan-b.html"]
    same_words = (c / "plan-b.html").read_bytes().replace(b"<p>", b"<p> ")
    (refused,) = admin.check_uploads(settings, [("plan-c.html", same_words)])
    assert not refused.ok and "already in the corpus as plan-a.docx (the same text" in refused.reason


def test_uploads_accept_every_format_and_refuse_unreadable_ones(settings):
    checks = admin.check_uploads(settings, [("plan.pdf", makedocs.plan_pdf()), ("plan.docx", makedocs.plan_docx()),
                                            ("page.html", makedocs.cqc_html()), ("scan.pdf", makedocs.scanned_pdf()),
                                            ("fake.docx", makedocs.cqc_pdf())])
    by = {c.original: c for c in checks}
    assert by["plan.pdf"].ok and by["plan.pdf"].pages == 2 and by["plan.pdf"].layout == TABLE
    assert by["plan.docx"].ok and by["plan.docx"].format == "docx"
    assert by["page.html"].ok and by["page.html"].metadata["score"] == 2
    assert "no text layer" in by["scan.pdf"].reason
    assert "named .docx but it is a PDF" in by["fake.docx"].reason


# ------------------------------------------------------------------------------------------ CQC layouts

def test_summary_page_with_several_scores_overall_rating_and_themes():
    m = detect(makedocs.SUMMARY_TXT)
    assert m.authority == "Northshire County Council" and m.kind == CQC_ASSESSMENT
    assert m.overall_rating == "Requires improvement" and m.published == "2024-05-02"
    assert [(s["statement"], s["score"]) for s in m.scores] == [
        ("Assessing needs", 2), ("Supporting people to lead healthier lives", 3),
        ("Safe pathways, systems and transitions", 2)]
    text = makedocs.SUMMARY_TXT
    assert [text[s["start"]:s["end"]] for s in m.scores] == [
        "Score: 2\n2 - Evidence shows some shortfalls", "Score: 3\n3 - Evidence shows a good standard",
        "Indicative score: 2\n2 - Evidence shows some shortfalls"]
    assert "quality_statement" not in m.unknown()
    sections = {u.section[:2] for u in parse(text).units}
    assert ("Theme 1: Working with people", "Assessing needs") in sections


@pytest.mark.parametrize("text,authority,statement,score,theme,line", [
    (makedocs.PILOT_TXT, "Eastshire County Council", "Safeguarding", 1,
     "How the local authority ensures safety within the system", "Indicative score: 1"),
    (makedocs.NO_COLON_TXT, "London Borough of Riverside", "Care provision, integration and continuity", 4,
     "Providing support", "Score 4"),
])
def test_score_line_variants(text, authority, statement, score, theme, line):
    m = detect(text)
    assert (m.authority, m.quality_statement, m.score, m.theme) == (authority, statement, score, theme)
    assert text[m.score_start:m.score_end] == line


def test_council_names_in_titles():
    assert detect("Hackney City Council: Winter Plan 2022\nText.").authority == "Hackney City Council"
    assert detect("London Borough of Hackney\nWinter plan\n").authority == "London Borough of Hackney"


# ------------------------------------------------------------------------------------------ versions

OLD = makedocs.PILOT_TXT.replace("Eastshire County Council: local authority assessment\n",
                                 "Eastshire County Council: local authority assessment\nPublished: 1 June 2023\n")
NEW = ("Eastshire County Council: local authority assessment\nPublished: 9 January 2025\nSafeguarding\nScore: 3\n"
       "3 - Evidence shows a good standard\nKey findings for this quality statement\n"
       "Safeguarding enquiries in Eastshire were now allocated within two days.\n")


@pytest.fixture
def versioned(settings):
    (settings.corpus_dir / "eastshire-2025.txt").write_text(NEW, encoding="utf-8")
    (settings.corpus_dir / "eastshire-2023.txt").write_text(OLD, encoding="utf-8")
    store.build(settings, FakeEmbedder())
    return Answerer(store.load(settings), FakeEmbedder(), settings)


def test_a_newer_report_supersedes_the_older(versioned):
    md = versioned.index.metadata("eastshire-2023.txt")
    assert md.superseded_by == "eastshire-2025.txt"
    assert versioned.index.metadata("eastshire-2025.txt").superseded_by is None
    a = versioned.ask("Eastshire safeguarding enquiries allocation")
    assert {c.doc for c in a.citations} & {"eastshire-2023.txt"} == set()
    old = versioned.ask("How were Eastshire safeguarding enquiries allocated previously?")
    assert "eastshire-2023.txt" in {c.doc for c in old.citations}


def test_scores_use_the_current_report_and_show_the_change(versioned):
    a = versioned.ask("what did Eastshire score for safeguarding?")
    assert [c.doc for c in a.citations] == ["eastshire-2025.txt"]
    changed = versioned.ask("how has Eastshire's safeguarding score changed?")
    assert {c.doc for c in changed.citations} == {"eastshire-2025.txt", "eastshire-2023.txt"}
    assert "superseded by eastshire-2025.txt" in changed.text
    row = next(r for r in score_rows(versioned) if r["authority"] == "Eastshire County Council")
    assert row["score"] == 3 and row["earlier"]["score"] == 1 and row["earlier"]["doc"] == "eastshire-2023.txt"


def test_overall_rating_is_answered_and_cited(settings):
    (settings.corpus_dir / "northshire.txt").write_text(makedocs.SUMMARY_TXT, encoding="utf-8")
    store.build(settings, FakeEmbedder())
    answerer = Answerer(store.load(settings), FakeEmbedder(), settings)
    a = answerer.ask("what is Northshire's overall rating?")
    assert not a.abstained and a.citations[0].quote == "Overall rating: Requires improvement"
    a = answerer.ask("what did Northshire score for assessing needs?")
    assert a.citations[0].quote.startswith("Assessing needs\nScore: 2")
    still = answerer.ask("what's derbyshire's overall cqc rating?")
    assert still.abstained


def test_seed_corpus_scans_unchanged(corpus_dir):
    reports, skipped = scan(corpus_dir, 20_000_000)
    assert [r.doc for r in reports] == [DERBYSHIRE, "001_d6b23fda1bcedbce.txt", WINTER] and skipped == []


def test_viewer_shows_pdf_pages(mixed):
    from fastapi.testclient import TestClient

    import app as webapp
    from assistant.render import permalink
    from assistant.service import Engine

    engine = Engine(mixed, FakeEmbedder()).load()
    a = engine.ask("Carers First helpline Wessexshire", report="wessex-plan.pdf")
    c = a.citations[0]
    with TestClient(webapp.create_app(engine)) as client:
        r = client.get(permalink(c, version=engine.version))
    assert r.status_code == 200 and "page 2 · lines" in r.text
    # the page's start marked where it falls: in the text, or between a table's rows
    assert re.search(r'class="pg" id="page-2">(?:<td[^>]*>)?page 2<', r.text)

"""Metadata: detected from the text, filled and overridden by corpus/metadata.json."""

from __future__ import annotations

import json

import pytest
from conftest import CAMDEN, CORPUS, DERBYSHIRE, WINTER, text_of

from assistant.errors import CorpusError
from assistant.metadata import COUNCIL_PLAN, COUNCIL_REPORT, CQC_ASSESSMENT, MINUTES, detect, load_file, merge


def test_detects_derbyshire_assessment():
    text = text_of(DERBYSHIRE)
    m = detect(text)
    assert (m.authority, m.kind, m.quality_statement, m.score, m.score_descriptor) == (
        "Derbyshire County Council", CQC_ASSESSMENT, "Safe pathways, systems and transitions", 3,
        "Evidence shows a good standard")
    assert text[m.score_start:m.score_end] == "Score: 3"


@pytest.mark.parametrize("text, title, kind", [
    # a council's meetings page: site furniture first, then the item, its meeting and who presented it
    ("Issue - meetings\n\nNorthshire Council Adult Social Care Winter Plan\n\nMeeting: 21/01/2014 - Cabinet "
     "(Item 9)\n\nCllr Ann Lee presented a report on the winter plan.\n",
     "Northshire Council Adult Social Care Winter Plan", MINUTES),
    ("Accessibility Skip to main content\n\nPerformance in 2023/24\n\nOur adult social care performance.\n",
     "Performance in 2023/24", COUNCIL_REPORT),
    ("Agenda item\n\nAdult Social Care Local Account\n\nMinutes:\n\nThe Panel received a report.\n",
     "Adult Social Care Local Account", MINUTES),
    # a meeting-summary site's page: its notices, then the meeting, and a summary of what the committee did
    ("Subscribe to updates\nYou'll receive weekly summaries about Quillham Council every week.\n"
     "Summary\n\nThe People Committee of Quillham Council met to discuss the CQC assessment of adult social care.\n"
     "\nAdult Social Care CQC Assessment\n\nThe committee noted the good rating received from the CQC.\n",
     "Summary", MINUTES),
])
def test_council_pages_behind_their_site_furniture(text, title, kind):
    m = detect(text)
    assert (m.title, m.kind) == (title, kind)


def test_a_heading_of_the_services_words_names_no_authority():
    m = detect("Summary\n\nAdult Social Care CQC Assessment\n\nThe People Committee of Quillham Council met.\n")
    assert m.authority == "Quillham Council"


def test_camden_authority_is_not_in_the_text_but_the_file_supplies_it():
    m = detect(text_of(CAMDEN))
    assert m.authority is None and m.score == 4 and m.kind == CQC_ASSESSMENT
    assert "authority" in m.unknown()
    merged = merge(m, load_file(CORPUS)[CAMDEN])
    assert merged.authority == "London Borough of Camden"
    assert merged.source_url.endswith("camden-0225-theme3-pathways")
    assert merged.score_start == m.score_start  # detected fields the file does not set are kept


def test_detects_the_winter_plan():
    m = detect(text_of(WINTER))
    assert (m.authority, m.kind, m.score) == ("Derbyshire County Council", COUNCIL_PLAN, None)
    assert m.title == "Derbyshire County Council: Adult Social Care Winter Plan 2020-21"
    assert "score" not in m.unknown()  # a plan has no score to be unknown


def test_file_overrides_detection_and_the_descriptor_follows_the_score():
    merged = merge(detect(text_of(DERBYSHIRE)), {"score": 2})
    assert merged.score == 2 and merged.score_descriptor == "Evidence shows some shortfalls"


def test_report_without_entry_keeps_what_was_detected():
    assert merge(detect(text_of(DERBYSHIRE)), None) == detect(text_of(DERBYSHIRE))


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON"),
    (json.dumps({"reports": {"a.txt": {"colour": "red"}}}), "unknown fields ['colour']"),
    (json.dumps({"reports": {"a.txt": {"score": 7}}}), "must be 1, 2, 3 or 4"),
    (json.dumps({"reports": {"a.txt": {"kind": "novel"}}}), "must be one of"),
])
def test_invalid_metadata_file_gives_an_actionable_error(tmp_path, content, message):
    (tmp_path / "metadata.json").write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_file(tmp_path)


@pytest.mark.parametrize("text, authority", [
    # a heading that ends in "assessment" but names no council; the council is the one the minutes name
    ("The Director submitted a report to the\nCommission on the outcome of the Care Quality Commission assessment\n"
     "of Adult Social Care.\n- Leicester had scored 56%.\n- Leicester’s scoring was marginally below Good.\n",
     "Leicester City Council"),
    # "Local Council" is no council's name; the council's own is
    ("The CQC regulates all Local Council Adult Social Care Services.\nSefton Council's first inspection was "
     "completed in January.\n", "Sefton Council"),
    # a name in capitals, as a local paper prints it
    ("CHESHIRE West and Chester adult social care is performing well.\nCheshire West and Chester was praised.\n",
     "Cheshire West and Chester Council"),
    # a council's name longer than two capitalised words, printed with "&" or "of": the whole name, spelt as
    # the list of councils spells it (the same council in minutes and news is one authority)
    ("Inexperienced inspectors were the reason why Bath & North East Somerset Council was rated “requires "
     "improvement”.\n", "Bath and North East Somerset Council"),
    ("The report highlights the dedication of staff (picture posed by models) at East Riding of Yorkshire "
     "Council\n- Published\n", "East Riding of Yorkshire Council"),
    # a name the pattern reads whole stays as printed; one no council has stays as read
    ("Hull City Council was given an overall rating.\n", "Hull City Council"),
    ("Inspectors praised Wessex Vale Council for its work.\n", "Wessex Vale Council"),
])
def test_the_authority_of_minutes_and_news(text, authority):
    assert detect(text).authority == authority


def test_a_news_pages_dateline_is_its_publication_date():
    text = ("Toggle mobile menu visibility\n\nCabinet reviews Health and Social Care Winter Plan\n\n"
            "Norfolk County Council, 27 October 2023 00:00\n\nPlans to support the sector this winter.\n")
    m = detect(text)
    assert m.published == "2023-10-27" and text[m.published_start:m.published_end].startswith("Norfolk County")
    assert m.title == "Cabinet reviews Health and Social Care Winter Plan"
    # month first, a short month after a byline or run into "Published"
    for head, iso, line in (
            ("Shortfalls in 8 out of 9 areas. Picture: Rawpixel.com\nMay 9, 2025\nThe care watchdog said.\n",
             "2025-05-09", "May 9, 2025"),
            ("Adult social care rated 'good'\n\nBy Phil Corrigan - Local Democracy Reporter 13th Jun 2025\n\nThe CQC "
             "has given adult social care a rating.\n", "2025-06-13",
             "By Phil Corrigan - Local Democracy Reporter 13th Jun 2025"),
            ("CQC rates the council\n\nAuthor: Nichola Hunter-WarburtonPublished 28th Jan 2026\n\nThe CQC has "
             "published its first assessment.\n", "2026-01-28",
             "Author: Nichola Hunter-WarburtonPublished 28th Jan 2026")):
        m = detect(head)
        assert m.published == iso and head[m.published_start:m.published_end] == line
    assert detect("Rated good\nBy Jo Bloggs 13th Jux 2025\n").published is None  # no month
    # a saved page's stamp opening its first line: the stamp alone
    saved = " date 2025-09-11 Quillham Council reports it is already working on ways to improve.\n"
    m = detect(saved)
    assert m.published == "2025-09-11" and saved[m.published_start:m.published_end] == "date 2025-09-11"
    # a date in a sentence further down is no dateline
    assert detect("Winter Plan\n\n" + "The plan was agreed. " * 40 + "\n27 October 2023\n").published is None


def test_a_heading_of_the_councils_own_names_no_authority():
    # "Our CQC assessment" reads like "X assessment" but names no council: the council named near the top is it
    text = ("Quillham Borough Council\n\nSafeguarding improvement plan\n\nOur CQC assessment\n\n"
            "The safeguarding element of our assessment received a score of 1.\n")
    assert detect(text).authority == "Quillham Borough Council"
    assert detect("Our CQC assessment\n\nThe safeguarding element received a score of 1.\n").authority is None
    assert detect("Wessexshire: local authority assessment\n\nSafeguarding\nScore: 2\n").authority == "Wessexshire"


def test_minutes_telling_ratings_of_providers_are_minutes_with_no_overall_rating_read_from_their_services():
    text = ("Agendas, Meetings and Minutes - Agenda item\n\nAgenda item\n\n"
            "Care Quality Commission (CQC) Inspection of Adult Social Care Providers\n\nMinutes:\n\n"
            "Members were informed that Quillham had the highest percentage of Community Adult Social Care Services "
            "that were rated as ‘requires improvement’, with one recently re-inspected and found to be good.\n")
    m = detect(text)
    # the committee site's heading is no title; a rating in minutes makes them no CQC assessment; services
    # "that were rated as ‘requires improvement’" are some providers, not the council
    assert m.title == "Care Quality Commission (CQC) Inspection of Adult Social Care Providers"
    assert m.kind == MINUTES and m.overall_rating is None

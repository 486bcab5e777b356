"""The parser against the real reports, with exact expectations."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import CAMDEN, DERBYSHIRE, WINTER, text_of

from assistant.parse import CQC, GENERIC, PROSE, ROW, SCORE, TABLE, parse

QS = "Safe pathways, systems and transitions"
KEY = "Key findings for this quality statement"


def test_layouts_are_recognised():
    assert parse(text_of(DERBYSHIRE)).layout == CQC
    assert parse(text_of(CAMDEN)).layout == CQC
    assert parse(text_of(WINTER)).layout == TABLE
    assert parse("Just a few sentences. Nothing else here.").layout == PROSE
    assert parse("Agenda item\nMinutes of the panel\nThe Chair opened the meeting.").layout == PROSE


def test_derbyshire_sections_in_order():
    p = parse(text_of(DERBYSHIRE))
    assert [h.path for h in p.headings] == [
        ("Derbyshire County Council: local authority assessment",),
        (QS,), (QS, "What people expect"), (QS, "The local authority commitment"), (QS, KEY)]
    # "Downloads" is page furniture, not content
    assert all("Downloads" not in u.cells[0] for u in p.units)


def test_camden_sections_and_subheadings_in_order():
    p = parse(text_of(CAMDEN))
    assert [h.path for h in p.headings] == [
        (QS,), (QS, "What people expect"), (QS, "The local authority commitment"), (QS, KEY),
        (QS, KEY, "Safety management"), (QS, KEY, "Safety during transitions"), (QS, KEY, "Contingency planning")]
    sections = Counter(u.section for u in p.units)
    assert sections[(QS, KEY, "Safety management")] == 3
    assert sections[(QS, KEY, "Safety during transitions")] == 3
    assert sections[(QS, KEY, "Contingency planning")] == 2
    assert all("© Care Quality Commission" not in u.cells[0] for u in p.units)


@pytest.mark.parametrize("doc,score,descriptor", [
    (DERBYSHIRE, "Score: 3", "3 - Evidence shows a good standard"),
    (CAMDEN, "Score: 4", "4 - Evidence shows an exceptional standard"),
])
def test_score_line_and_descriptor_are_one_unit(doc, score, descriptor):
    text = text_of(doc)
    scores = [u for u in parse(text).units if u.kind == SCORE]
    assert len(scores) == 1
    (u,) = scores
    assert [text[s.start:s.end] for s in u.spans] == [score, descriptor]
    assert u.section == (QS, "Score")


def _winter():
    text = text_of(WINTER)
    return text, parse(text)


def test_winter_plan_rows_per_theme():
    _, p = _winter()
    rows = Counter(u.section[0] for u in p.units if u.kind == ROW)
    assert rows == {
        "Theme 1: Preventing and controlling the spread of infection in care settings": 15,
        "Theme 2: Collaboration across health and care services": 7,
        "Theme 3: Supporting people who receive social care, the workforce, and carers": 29,
        "Theme 4: Supporting the system": 11,
        "Specific Provider Actions": 9,
    }


def test_winter_plan_rows_per_table():
    _, p = _winter()
    tables = Counter(u.columns for u in p.units if u.kind == ROW)
    assert tables == {
        ("Actions Required by Local Authorities", "What is happening in Derbyshire"): 62,
        ("Actions required by providers", "Derbyshire County Council Direct Care",
         "Derbyshire County Council Contracting"): 9,
    }
    assert all(len(u.cells) == len(u.columns) for u in p.units if u.kind == ROW)


def test_winter_plan_rows_per_subheading():
    _, p = _winter()
    rows = Counter(u.section[-1] for u in p.units if u.kind == ROW and len(u.section) == 2)
    assert rows["Managing staff movement"] == 5
    assert rows["Support for unpaid carers"] == 5
    assert rows["Social work and other professional leadership"] == 9
    assert rows["Funding"] == 3
    assert rows["Market and provider sustainability"] == 3


@pytest.mark.parametrize("heading,pieces", [
    ("Shielding and people who are clinically extremely vulnerable",
     ["Shielding and people who are clinically extremely vulne", "rable"]),
    ("Safe discharge from NHS settings and preventing avoidable admissions",
     ["Safe discharge from NHS settings and preventing avoid", "able admissions"]),
    ("CQC support: Emergency Support Framework and sharing best practice",
     ["CQC support: Emergency Support Framework and shar", "ing best practice"]),
])
def test_headings_cut_by_a_tab_are_joined(heading, pieces):
    text, p = _winter()
    (h,) = [h for h in p.headings if h.path[-1] == heading]
    assert [text[s.start:s.end] for s in h.spans] == pieces
    assert [s.glue for s in h.spans][1:] == [""]
    assert any(u.section[-1] == heading for u in p.units)


def test_row_wrapped_over_three_lines_is_one_unit():
    text, p = _winter()
    (row,) = [u for u in p.units if u.kind == ROW and u.cells[0].startswith("Provide DHSC with information")]
    assert row.cells == ("Provide DHSC with information about how the money Infection Control Fund has been "
                         "spent by 30 September 2020", "Return sent to DHSC on 30th September 2020")
    lines = {text.count("\n", 0, s.start) for s in row.spans}
    assert len(lines) == 3


def test_row_broken_across_a_page_break_skips_the_repeated_header():
    text, p = _winter()
    (row,) = [u for u in p.units if u.kind == ROW and u.cells[0].startswith("Provide clear communication")]
    assert row.cells[1].endswith("with all relevant up to date guidance on managing impact of Covid, this "
                                 "includes how to support their workforce to follow IPC measures.")
    between = text[row.spans[0].start:row.spans[-1].end]
    assert "Actions Required by Local Authorities\tWhat is happening in Derbyshire" in between
    assert all("Actions Required by Local Authorities" not in text[s.start:s.end] for s in row.spans)


def test_three_cell_row_broken_across_a_page_break():
    _, p = _winter()
    (row,) = [u for u in p.units if u.kind == ROW and u.cells[0].startswith("Providers should proactively")]
    assert row.cells == (
        "Providers should proactively encourage and enable people who receive care and social care staff to "
        "receive free flu vaccinations and report uptake",
        "Flu vaccine clinics in each residential care home and 100 Pharmacies to support those staff not able "
        "to attend a clinic. All registered providers have flu pack",
        "This is covered in the comprehensive Flu Plan")


def test_no_table_header_is_content():
    text, p = _winter()
    for u in p.units:
        for cell in u.cells:
            assert not cell.startswith("Actions Required by Local Authorities")
            assert not cell.startswith("Actions required by providers")
        for s in u.spans:
            assert "What is happening in Derbyshire" not in text[s.start:s.end]


def test_action_and_response_stay_paired():
    _, p = _winter()
    (row,) = [u for u in p.units if u.kind == ROW and u.cells[1].startswith("Support for unpaid carers commissioned")]
    assert row.cells[0].startswith("Make sure carers, and those who organise their own care")
    assert row.section[-1] == "Support for unpaid carers"


def test_generic_fallback_keeps_exact_offsets():
    text = " ".join(f"sentence number {i} says something useful" for i in range(200))  # one unpunctuated block
    p = parse(text, fallback_chunk_chars=300)
    assert p.layout == GENERIC and len(p.units) > 5
    for u in p.units:
        (s,) = u.spans
        assert text[s.start:s.end] == u.cells[0]
        assert len(u.cells[0]) <= 300


def test_a_list_is_read_under_its_heading():
    text = ("Agenda item\n\nAdult Social Care Local Account\n\nThe Panel noted progress against the indicators "
            "including:\n\nIndicators showing significant improvement:\n\n·  Adults in paid employment had improved "
            "from 5.7 to 6.4.\n\n \n\nIndicators requiring further improvement:\n\n·  Proportion of adults receiving "
            "direct payments was 16.8 compared to 24.7.\n")
    p = parse(text)
    sections = [(u.cells[0].split()[1], u.section) for u in p.units]
    assert sections == [("Panel", ()),  # a sentence ending in a colon above a heading is prose
                        ("Adults", ("Indicators showing significant improvement",)),
                        ("Proportion", ("Indicators requiring further improvement",))]


def test_a_label_is_the_heading_of_its_paragraph_but_a_field_is_not():
    text = ("Meeting: 21/01/2014 - Cabinet (Item 9)\n\nThat Cabinet note the Council's contribution to the winter "
            "planning process.\n\nReason for Decision:\n\nTo keep Cabinet informed of the contribution of adult "
            "social care in supporting the anticipated rise in demand.\n\nDate of decision: 28/11/2023\n\n"
            "The decision was published the next day.\n")
    p = parse(text)
    sections = {u.cells[0].split()[0]: u.section for u in p.units}
    assert sections["To"] == ("Reason for Decision",) and sections["That"] == ()
    assert all("Date of decision" not in " ".join(u.section) for u in p.units)  # a field, not a heading


def test_a_narrow_columns_lines_run_on_into_one_sentence():
    text = ("Scrutiny Commission minutes\n\n- Priority areas included improving\n"
            "carer experiences, accessible guidance and support, waiting times,\n"
            "governance and safeguarding processes.\n- Results had been published in July 2025.\n")
    p = parse(text)
    assert [u.cells[0][:24] for u in p.units][-2:] == ["- Priority areas include", "- Results had been publi"]


def test_a_hard_wrapped_text_joins_its_lines_into_sentences():
    # minutes copied from a PDF: lines wrapped mid-sentence, some going on in capitals ("CQC", "Dawood",
    # "Council"), or after a word no sentence ends on
    text = ("The Strategic Director for Social Care &\nEducation submitted a report and gave a presentation to the\n"
            "Commission on the outcome of the assessment.\nThe Assistant City Mayor for Adult Social Care\n"
            "Dawood introduced the report noting the following:\n- The rating had been\n‘Requires improvement’.\n"
            "- This had marked the first round of\nCQC assessments with the next expected to take place in 3\n"
            "years’ time.\n- Leicester had scored 56% which was\nhigher than some neighbouring Local Authorities. "
            "Derbyshire County\nCouncil scored 67% and their strengths might be a source of\nlearning.\n"
            "- Priorities included\nwaiting times\n")
    units = [" ".join(u.cells[0].split()) for u in parse(text).units]
    assert units[0].startswith("The Strategic Director for Social Care & Education submitted")  # no title
    assert "The Assistant City Mayor for Adult Social Care Dawood introduced the report noting the following:" in units
    assert "- This had marked the first round of CQC assessments with the next expected to take place in 3 years’ " \
           "time." in units
    assert any(u.startswith("- Leicester had scored 56%") and u.endswith("a source of learning.") for u in units)
    # a short heading after a list is not run into it
    plain = "Winter Plan\n\n- Carers get PPE\nNext steps\nThe council will review the plan in March and report back.\n"
    assert [u.cells[0] for u in parse(plain).units][0] == "- Carers get PPE"


def test_a_short_wrapped_line_after_a_list_marker_is_no_heading():
    # "i." on its own line, then a sentence wrapped after "of": the line is the sentence's start, not a heading
    # over the rest (which held the score asked for); a list's lead-in ending "for its:" still heads its items
    text = ("Minutes\nArising from discussion the following points were made:\ni.\n"
            "A Member questioned that, with a CQC score of\n53, under which quartile would the County Council fall "
            "when compared\nto other councils. The Director responded that the council was\nlikely to be in the "
            "third quartile.\nii.\nThe report also commended the Council for its:\n- Robust triage.\n"
            "- Strong partnerships with local providers.\n")
    p = parse(text)
    assert not any("score of" in " ".join(u.section) for u in p.units)
    assert any(" ".join(u.cells[0].split()).startswith("A Member questioned that, with a CQC score of 53, under")
               for u in p.units)
    assert any(u.section[-1:] == ("The report also commended the Council for its",) for u in p.units)


def test_a_news_story_opening_with_a_sentence_quotes_it():
    text = ("CHESHIRE West and Chester Adult Social Care is consistently delivering services above the minimum "
            "required for its 11,000 service users.\n\nThis is the positive verdict of the CQC.\n")
    p = parse(text)
    assert p.units[0].cells[0].endswith("11,000 service users.") and not p.headings


def test_a_dateline_is_no_heading():
    text = ("Cabinet reviews Health and Social Care Winter Plan\n\nNorfolk County Council, 27 October 2023 00:00\n\n"
            "Plans to support the health and social care sector through the pressures expected this winter are being "
            "put to the Cabinet.\n")
    p = parse(text)
    assert all("27 October" not in " ".join(u.section) for u in p.units)
    assert any(u.cells[0].startswith("Norfolk County Council, 27 October 2023") for u in p.units)  # still quotable

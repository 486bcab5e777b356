"""Quoting evidence windows and declining near-misses, on a small report with the lexical fake embedder."""

from __future__ import annotations

import pytest
from fakes import FakeEmbedder

from assistant import store
from assistant.answer import Answerer

REPORT = """Northshire County Council: local authority assessment
Safeguarding
Score: 2
2 - Evidence shows some shortfalls
Key findings for this quality statement
Flooding
A care home in Northshire was badly flooded by heavy rain in the winter. The council moved every resident to a \
sister home within a day. Leaders later wrote an emergency placement flow chart.
Spending
The council estimated it would spend £12,000,000 on adult social care in 2022/23.
Night cover
Two social workers were on shift overnight at the hospital hub. The hub was run by the Northshire Care Trust.
Home from hospital
The council funded its home from hospital service through grants from the Better Care Fund, hospital discharge \
money and public health money, under a joint plan that the NHS trust, the voluntary sector partners and the \
council signed in the spring after a long review of how people were supported on leaving the wards. It offered \
befriending, shopping and handyman visits.
Hospital discharge
Discharge teams at the hospital worked well with people going home and with their families.
Winter plan meeting
The Chair of the Northshire scrutiny panel called a special meeting of the panel on the draft winter plan.

The Portfolio Holder for Adults introduced the draft, saying it built on last year's.

The Head of Commissioning gave a presentation on the plan.
Meetings
The safeguarding board met to review the flood response. It agreed a new protocol for evacuations.
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory):
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("quotes")
    (root / "corpus").mkdir()
    (root / "corpus" / "northshire.txt").write_text(REPORT, encoding="utf-8")
    s = Settings(corpus_dir=root / "corpus", index_dir=root / "index", abstain_below=0.1)
    store.build(s, FakeEmbedder())
    return Answerer(store.load(s), FakeEmbedder(), s)


def test_the_quote_runs_on_to_the_fact_after_the_sentence_that_introduces_it(answerer):
    a = answerer.ask("What happened after the care home was flooded by heavy rain in Northshire?")
    assert not a.abstained
    assert "moved every resident to a sister home within a day" in a.citations[0].quote


def test_a_figure_for_another_period_or_group_is_not_an_answer(answerer):
    estimate = "How much did Northshire estimate it would spend on adult social care in {}?"
    assert not answerer.ask(estimate.format("2022/23")).abstained
    assert answerer.ask(estimate.format("2019/20")).abstained
    assert answerer.ask("How much did Northshire actually spend on adult social care in 2022/23?").abstained
    assert answerer.ask("How many social workers were on shift during the day at the hospital hub?").abstained
    assert not answerer.ask("How many social workers were on shift overnight at the hospital hub?").abstained


def test_the_kind_of_fact_asked_for_must_sit_with_the_question_words(answerer):
    # the report gives no date for the board's meeting: "in the winter" is about the flood, not the meeting
    assert answerer.ask("On what date did the Northshire safeguarding board meet to review the flood response?"
                        ).abstained
    assert not answerer.ask("Who ran the Northshire hospital hub?").abstained


def test_a_later_part_about_the_same_thing_reads_on_from_the_earlier_quote(answerer):
    a = answerer.ask("How is Northshire's home from hospital service funded, and what does it provide to people?")
    quotes = [c.quote for c in a.citations if c.role == "answer"]
    assert "Better Care Fund" in quotes[0]
    assert quotes[1].startswith("It offered befriending")  # the sentence after the first quote, not quoted twice


def test_who_did_something_is_answered_by_the_sentence_saying_it_was_done(answerer):
    a = answerer.ask("Who introduced the draft winter plan to the panel?")
    assert "The Portfolio Holder for Adults introduced the draft" in a.citations[0].quote


@pytest.mark.parametrize("question, deed", [
    ("Who introduced the plan?", ("introduc", "present")), ("and who presented it?", ("present", "introduc")),
    ("Who chairs the board?", ("chair",)),
    ("Who wrote the report?", ("wrote", "author", "correspond", "journalist", "writer", "written")),
    ("Who is the director?", ()), ("What did the chair say?", ()),
])
def test_the_deed_a_who_question_asks_after(question, deed):
    from assistant.answer import _asked_deed
    assert _asked_deed(question) == deed


@pytest.mark.parametrize("question, quote, other", [
    ("How much was spent in 2022/23?", "In 2023/24 the council spent £4m.", True),
    ("How much was spent in 2022/23?", "In 2022-2023 the council spent £4m.", False),
    ("How much was spent in 2022?", "The 2022/23 budget was £4m.", False),  # a year meets a span starting in it
    ("What was agreed for 2022/23?", "The strategy for 2021 to 2024 sets out ...", False),  # a longer span covers it
    ("What was agreed for 2025/26?", "The strategy for 2021 to 2024 sets out ...", True),
    ("What happened in Quarter 2?", "In Quarter 1 referrals rose.", True),
    ("What happened in Q2?", "In Quarter 2 referrals rose.", False),
    ("What does Theme 2 cover?", "Theme 1: working with people", True),
    ("How much was spent?", "In 2023/24 the council spent £4m.", False),  # no period asked, none excluded
    # one recent year asked, several years given
    ("By how much did demand rise over the last year?", "a 40% rise in demand for services since 2020", True),
    ("How much did demand rise last year?", "demand rose by 12% over the past five years", True),
    ("How much did demand rise over the last year?", "demand rose by 12% in the last year", False),
    ("How much has demand grown since 2020?", "a 40% rise in demand for services since 2020", False),
])
def test_a_figure_for_another_period_is_not_the_answer(question, quote, other):
    from assistant.answer import _other_period
    assert _other_period(question, quote) is other


@pytest.mark.parametrize("question, quote, other", [
    ("How many staff cover the hub during the day?", "Two social workers were on shift overnight.", True),
    ("How many staff cover the hub overnight?", "Two social workers were on shift overnight.", False),
    ("How many days a week is the hub open?", "It is open overnight too.", False),  # 'days' is not daytime
    ("What was the actual spend?", "The estimated spend was £4m.", True),
    ("What was the spend on planned care?", "The estimated spend was £4m.", False),  # 'planned' names no estimate
    ("How many children were supported?", "300 adults were supported.", True),
    ("How many children were supported?", "Children's services and adults' services met.", False),
    ("How many carers were surveyed?", "Of people who used services, 70% were satisfied.", True),
])
def test_a_figure_for_the_excluded_group_is_not_the_answer(question, quote, other):
    from assistant.answer import _other_group
    assert _other_group(question, quote) is other


def answerer_over(root, reports: dict[str, str]) -> Answerer:
    """An answerer over a small corpus of these reports (name: text), indexed with the lexical fake."""
    from assistant.settings import Settings

    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in reports.items():
        (corpus / name).write_text(text, encoding="utf-8")
    s = Settings(corpus_dir=corpus, index_dir=root / "index", abstain_below=0.1)
    store.build(s, FakeEmbedder())
    return Answerer(store.load(s), FakeEmbedder(), s)


def test_a_document_asked_for_is_held_when_a_report_of_that_authority_speaks_of_it(tmp_path):
    answerer = answerer_over(tmp_path, {
        "southshire-plan.txt":
            "Southshire County Council Adult Social Care Winter Plan\nStaffing\nAgency staff cover the winter.\n",
        "eastshire-account.txt":
            "Eastshire County Council Local Account 2023\nStaffing\nWe recruited 40 care workers.\n",
        "northshire-cabinet.txt":  # minutes whose title does not say "winter plan"
            "Cabinet, 21 January\nMeeting: 21/01/2014 - Cabinet (Item 9)\nNorthshire County Council\n"
            "Cllr Ann Lee presented the winter plan. Extra social workers will staff the hospital hub over winter.\n",
        # a page of a local account that never says so: its file's name does, as the admin named it
        "westshire-local-account-2023-providers.txt":
            "Working with providers\nWestshire City Council's care market grew: 12 new care providers registered.\n",
    })
    named = answerer.ask("What does Westshire's local account say about care providers?")
    assert not named.abstained and "12 new care providers" in named.citations[0].quote
    held = answerer.ask("What does Northshire's winter plan say about staffing the hospital hub?")
    assert not held.abstained and "Extra social workers" in held.citations[0].quote
    missing = answerer.ask("What does Northshire's local account say about staffing?")
    assert missing.abstained and "don't include a local account for Northshire County Council" in missing.text


SCILLYSHIRE = ("Update on adult social care\nThe director presented a report to Full Council on the CQC inspection of "
               "Scillyshire Council's adult social care, which resulted in a ‘Good’ rating.\nMembers heard that the "
               "service's score of 70 points compared favourably to the average.\n")


def test_a_rating_asked_of_an_authority_holding_only_an_overall_rating_is_that_rating(tmp_path):
    answerer = answerer_over(tmp_path, {"scillyshire-news.txt": SCILLYSHIRE})
    a = answerer.ask("Which rating did Scillyshire end up with?")
    assert not a.abstained and "resulted in a ‘Good’ rating." in a.citations[0].quote
    assert "score of 70 points" in a.text  # the points, stated in a sentence of their own, quoted too


def test_overall_ratings_compared_and_asked_by_their_grade(tmp_path):
    answerer = answerer_over(tmp_path, {
        "scillyshire-news.txt": SCILLYSHIRE,
        "northshire-summary.txt":
            "Northshire County Council: local authority assessment\n\nOverall summary\n\nLocal authority rating and "
            "score\n\n  • Northshire County Council\n    Good\nOverall rating for Northshire County Council: 75%\n\n"
            "Quality statement scores\n\n  • Assessing needs\n    Score: 3\n",
        "westshire-safeguarding.txt": REPORT.replace("Northshire", "Westshire"),
    })
    a = answerer.ask("Who came out higher overall, Scillyshire or Northshire?")
    assert a.text.startswith("Highest overall: Northshire County Council (75 out of 100).")
    assert "Overall rating for Northshire County Council: 75%" in a.citations[0].quote  # cited in the order said
    assert "resulted in a ‘Good’ rating." in a.citations[1].quote
    assert [c.n for c in a.citations] == sorted(c.n for c in a.citations)

    graded = answerer.ask("Was Scillyshire rated good like Northshire was?")
    assert {c.doc for c in graded.citations} == {"scillyshire-news.txt", "northshire-summary.txt"}

    # no overall rating held: the statement's score answers it, and nothing of the overall attempt is left over
    westshire = answerer.ask("Is Westshire rated good?")
    assert not westshire.abstained and [c.quote for c in westshire.citations] == [
        "Safeguarding\nScore: 2\n2 - Evidence shows some shortfalls"]


def test_a_description_by_its_figures_is_the_authority_whose_report_states_them(tmp_path):
    answerer = answerer_over(tmp_path, {
        "westshire-account.txt":
            "Westshire Council: local account 2023/24\nThe number of people who receive direct payments has "
            "increased by 19% in 2023/24, from 392 in 2022/23 to 465.\nTransitions planning starts at 14.\n",
        "eastshire-account.txt":  # more of the description's words, none of its figures
            "Eastshire Council: local account 2023/24\nThe council whose direct payments went up says direct "
            "payments went to more people.\nTransitions planning starts at 16.\n",
    })
    u = answerer.understand("The council whose direct payments went from 392 to 465 - when does transitions "
                            "planning start?")
    assert u.authorities == ("Westshire Council",)


def test_reports_held_are_cited_at_their_title_and_the_statement_they_cover(tmp_path):
    answerer = answerer_over(tmp_path, {
        "northshire-safeguarding.txt": REPORT,
        "northshire-winter-plan.txt":
            "Northshire County Council: Adult Social Care Winter Plan 2020-21\nCare homes will get PPE.\n",
    })
    a = answerer.ask("Which reports do we hold for Northshire?")
    assert a.text.startswith("Held: ")
    # a quote of two lines reads as two quoted lines, as score lines do, not with a blank line inside its marks
    assert "“Northshire County Council: local authority assessment” / “Safeguarding” [" in a.text
    quotes = {c.doc: c.quote for c in a.citations}
    assert quotes == {
        "northshire-safeguarding.txt": "Northshire County Council: local authority assessment\nSafeguarding",
        "northshire-winter-plan.txt": "Northshire County Council: Adult Social Care Winter Plan 2020-21"}


def test_one_authoritys_scores_on_two_statements_compared(tmp_path):
    answerer = answerer_over(tmp_path, {
        "northshire-press-release.txt":
            "CQC rates Northshire County Council's adult social care\nThe nine areas scored:\n"
            "- Assessing people’s needs – 2\n- Safeguarding - 2\n- Safe pathways, systems and transitions - 3\n",
    })
    a = answerer.ask("Did Northshire do any better on safe pathways than on assessing people's needs?")
    assert a.text.startswith("Northshire County Council: higher on Safe pathways, systems and transitions (3) than "
                             "on Assessing needs (2).")
    assert [c.quote for c in a.citations] == ["- Safe pathways, systems and transitions - 3",
                                              "- Assessing people’s needs – 2"]

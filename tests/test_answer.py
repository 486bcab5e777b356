"""Answers with the real model: verbatim quotes, scores from metadata, comparisons, abstention, bad input."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from conftest import CAMDEN, CORPUS, DERBYSHIRE, WINTER, dev_questions

from assistant import store
from assistant.answer import Answerer, _asked_role, _misspellings, _names, _Stems
from assistant.errors import QueryError
from assistant.retrieve import Filters
from assistant.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def answerer(real_index, real_embedder):
    settings, index = real_index
    return Answerer(index, real_embedder, settings)


def assert_all_verbatim(answer, corpus_dir):
    for c in answer.citations:
        text = (corpus_dir / c.doc).read_text(encoding="utf-8")
        assert text[c.start:c.end] == c.quote and c.quote
        assert c.line_start == text.count("\n", 0, c.start) + 1


QUESTIONS = [it["question"] for it in dev_questions()] + [
    "How do young people move to adult services?", "what are we doing about PPE for unpaid carers this winter?",
    "compare how the two authorities handle hospital discharge", "what did we score on safe pathways?",
    "Derbyshire's score for Assessing needs", "what does a 4 mean?",
]


def test_every_quote_of_every_answer_is_the_source_text(answerer, real_index):
    settings, _ = real_index
    for q in QUESTIONS:
        a = answerer.ask(q)
        assert_all_verbatim(a, settings.corpus_dir)
        assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
        assert len(a.citations) <= settings.max_citations
        # quoted text in the answer comes from an answer citation
        if not a.abstained:
            assert any(c.role == "answer" for c in a.citations)
            assert "[1]" in a.text


def test_answer_quotes_are_in_the_answer_text(answerer):
    a = answerer.ask("do children's and adults' workers do joint visits for transitions?")
    first = a.citations[0]
    assert first.role == "answer" and first.doc == DERBYSHIRE
    assert f"“{first.quote}” [1]" in a.text
    assert a.text.startswith("Derbyshire County Council — Safe pathways, systems and transitions")


def test_winter_answer_pairs_the_action_with_what_the_council_does(answerer):
    a = answerer.ask("Which organisation is support for unpaid carers commissioned from?")
    assert not a.abstained and a.citations[0].doc == WINTER
    assert "Actions Required by Local Authorities: “Make sure carers" in a.text
    assert "What is happening in Derbyshire: “Support for unpaid carers commissioned from Derbyshire Carers " \
           "Association (DCA)" in a.text
    assert "Support for unpaid carers" in a.citations[0].section


def test_a_row_broken_by_a_page_break_is_cited_in_pieces_without_the_header(answerer):
    a = answerer.ask("How do providers keep business continuity plans and workforce resilience up to date?")
    row = [c for c in a.citations if c.doc == WINTER and "business continuity" in c.quote]
    assert row
    for c in a.citations:
        assert "Actions required by providers\tDerbyshire County Council Direct Care" not in c.quote


@pytest.mark.parametrize("q,doc,who,line", [
    ("what did Derbyshire score?", DERBYSHIRE, "Derbyshire County Council", "3 - Evidence shows a good standard"),
    ("What score did Camden get for safe pathways?", CAMDEN, "London Borough of Camden",
     "4 - Evidence shows an exceptional standard"),
])
def test_score_lookup_cites_the_score_line(answerer, q, doc, who, line):
    # the score line, the descriptor under it and the heading above it naming the quality statement (Camden's page
    # has blank lines between them): what the score is for, in the report's own words, not only in the label
    a = answerer.ask(q)
    assert a.kind == "score" and not a.abstained
    (c,) = a.citations
    assert c.doc == doc and c.quote.startswith("Safe pathways, systems and transitions\n") and c.quote.endswith(line)
    assert "Score: " in c.quote
    assert a.text.startswith(f"{who}: “Safe pathways, systems and transitions” / “Score: ")


def test_which_authority_scored_higher(answerer):
    a = answerer.ask("which authority scored higher on safe pathways?")
    assert a.text.startswith("Highest on Safe pathways, systems and transitions: London Borough of Camden (4).")
    assert [c.doc for c in a.citations] == [CAMDEN, DERBYSHIRE]
    lower = answerer.ask("which authority scored lower on safe pathways?")  # the lowest is named first
    assert lower.text.startswith("Lowest on Safe pathways, systems and transitions: Derbyshire County Council (3).")


def test_a_two_part_question_is_encoded_in_one_batch(answerer, monkeypatch):
    # what each part is voted on and searched with is known once the question is read: one call to the model
    # (the second encoding was what set ask latency's p95)
    question = ("What proportion of staff said they needed training and felt under-informed about children's social "
                "care law, and what has the council done since?")
    answerer.ask(question)  # the labelled example questions are encoded once, on first use
    calls = []
    for name in ("embed_query", "embed_documents"):
        real = getattr(answerer.embedder, name)
        monkeypatch.setattr(answerer.embedder, name, lambda *a, _real=real, _n=name, **k: calls.append(_n) or
                            _real(*a, **k))
    a = answerer.ask(question)
    assert not a.abstained and calls == ["embed_documents"]


def test_what_a_score_means_is_quoted_from_a_report(answerer):
    a = answerer.ask("what does a 4 mean?")
    assert not a.abstained and a.citations[0].quote == "4 - Evidence shows an exceptional standard"
    none = answerer.ask("what does a 1 mean?")
    assert none.abstained and "None of the indexed reports has a score of 1" in none.text


def test_list_the_scores(answerer):
    a = answerer.ask("list the scores we hold")
    assert {c.doc for c in a.citations} == {DERBYSHIRE, CAMDEN} and not a.abstained


@pytest.mark.parametrize("q,says", [
    ("Derbyshire's score for Assessing needs", "don't give Derbyshire County Council a score for Assessing needs"),
    ("what's derbyshire's overall cqc rating?", "don't give an overall rating"),
    ("What is the name of Derbyshire's Director of Public Health mentioned in the winter plan?", "the name"),
    ("What did Kent County Council score on safeguarding?", "don't cover Kent County Council"),
    ("When did Camden publish its winter plan?", "don't include a winter plan for London Borough of Camden"),
    ("How many care homes does Camden have?", "the number asked for"),
    ("Who won the football in Derby on Saturday?", "don't give"),  # see README: "weather forecast" is not declined
])
def test_abstains_plainly_and_shows_closest_matches(answerer, q, says):
    a = answerer.ask(q)
    assert a.abstained and a.kind == "abstained"
    assert says in a.text
    assert a.citations and all(c.role == "closest" for c in a.citations)


def test_comparison_quotes_each_authority(answerer):
    a = answerer.ask("compare how the two authorities handle hospital discharge")
    assert a.kind == "comparison" and not a.abstained
    assert "Derbyshire County Council:\n“" in a.text and "London Borough of Camden:\n“" in a.text
    answer_docs = {c.doc for c in a.citations if c.role == "answer"}
    assert DERBYSHIRE in answer_docs and CAMDEN in answer_docs


def test_filters_restrict_the_answer(answerer):
    a = answerer.ask("how are hospital discharges made safe?", Filters(authority="Camden"))
    assert a.citations and {c.doc for c in a.citations} == {CAMDEN}


@pytest.mark.parametrize("q", ["", "   ", "\n\t\u200b"])
def test_empty_questions_get_a_clear_message(answerer, q):
    with pytest.raises(QueryError, match="The question is empty"):
        answerer.ask(q)


@pytest.mark.parametrize("q", [
    "x " * 5000,  # 10,000 characters
    "PPE\x00\x07 for\x1b[31m carers",
    "<script>alert('x')</script> what about PPE?",
    "<img src=x onerror=alert(1)> discharge",
    "{{7*7}} ${jndi:ldap://x} discharge",
    "Comment les jeunes passent-ils aux services pour adultes ?",
    "Sut mae pobl ifanc yn symud i wasanaethau oedolion?",
    "מה עם ציוד מגן לעובדים?",
])
def test_odd_questions_get_an_answer_or_a_plain_decline(answerer, q):
    a = answerer.ask(q)
    assert isinstance(a.text, str) and a.text
    for c in a.citations:
        assert answerer.index.texts[c.doc][c.start:c.end] == c.quote


def test_json_shape(answerer):
    d = answerer.ask("where do staff find info on free flu jabs?").to_dict()
    assert set(d) >= {"answer", "abstained", "citations"}
    assert set(d["citations"][0]) >= {"doc", "title", "authority", "section", "line_start", "line_end", "start",
                                      "end", "quote", "score"}


def test_a_quote_that_no_longer_matches_its_report_is_never_shown(tmp_path, real_embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    store.build(settings, real_embedder)
    answerer = Answerer(store.load(settings), real_embedder, settings)
    q = "do children's and adults' workers do joint visits for transitions?"
    before = answerer.ask(q)
    quote = before.citations[0].quote
    assert "Joint visits" in quote
    # someone edits the report after indexing: the same offsets now hold other text
    path = corpus / DERBYSHIRE
    path.write_text(path.read_text(encoding="utf-8").replace("Joint visits had", "Joint visits have"),
                    encoding="utf-8")
    after = answerer.ask(q)
    assert quote not in after.text
    assert all(c.quote != quote for c in after.citations)
    assert_all_verbatim(after, corpus)


def small_answerer(tmp_path: Path, embedder, files: dict[str, str | Path]) -> tuple[Answerer, Path]:
    """An answerer over a corpus of these files (name: text; a Path copies a bundled report), and its folder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        if isinstance(text, str):
            (corpus / name).write_text(text, encoding="utf-8")
        else:
            shutil.copy(text, corpus / name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    store.build(settings, embedder)
    return Answerer(store.load(settings), embedder, settings), corpus


def test_an_item_of_a_list_answers_a_question_naming_its_heading(tmp_path, real_embedder):
    # minutes listing indicators under headings: the question names the heading and where to look ("listed
    # under", "in the minutes"); the item shares none of its words but is what the heading lists
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"panel-minutes.txt": (
        "Quillham Borough Council\nHealth Scrutiny Panel minutes\n\n"
        "The Panel received the draft local account and noted progress against the indicators including:\n\n"
        "Indicators showing significant improvement:\n\n"
        "·  Adults with learning disabilities in paid employment had improved from 5.1 to 6.0.\n"
        "·  Overall satisfaction of carers with care and support had improved from 33.2 to 41.5.\n\n"
        "Indicators showing good performance being maintained:\n\n"
        "·  Older people still at home 91 days after discharge into reablement remained above average.\n\n"
        "Indicators requiring further improvement:\n\n"
        "·  Proportion of adults receiving direct payments was 15.9 compared to a comparator average of 23.8.\n")})
    answer = answerer.ask("What's listed under indicators requiring further improvement in the minutes?")
    assert not answer.abstained
    assert "direct payments was 15.9" in answer.citations[0].quote
    assert_all_verbatim(answer, corpus)


def test_a_rating_told_in_minutes_answers_a_score_question(tmp_path, real_embedder):
    # scrutiny minutes, hard-wrapped as copied from a PDF, tell a council's CQC outcome in words and percentages:
    # no score line is held, so the score question is answered from the minutes' own words, and a percentage
    # asked of the other council they name comes from the same minutes, never from its score lines
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-scrutiny-minutes.txt": (
        "The Strategic Director for Social Care &\nEducation gave a presentation to the\n"
        "Commission on the outcome of the Care Quality Commission assessment\nof Adult Social Care.\n"
        "The Assistant City Mayor for Adult Social Care\nDawood introduced the report noting the following:\n"
        "- The Local Authority rating had been\n‘Requires improvement’.\n"
        "- The report did not set out any\nrecommendations. Since the inspection, substantial progress had\n"
        "been made, and an action plan had been implemented.\n"
        "- The inspection commenced over a year\nago, with offsite work followed by the onsite inspection.\n"
        "- Ratings were scored in terms of\npercentages.\n"
        "- Quillham had scored 56% which was\nhigher than some neighbouring Local Authorities. Derbyshire County\n"
        "Council scored 67% and their strengths might be a source of\nlearning.\n"
        "- Priority areas included improving\ncarer experiences, accessible guidance and support, waiting times.\n"
        "Each area gets a score from 1 to 4:\n1 = inadequate\n2 = requires improvement\n3 = good\n4 = outstanding.\n"
        "This is the verdict of the Care Quality Commission following its first assessment of Quillham.\n"
        "Councillor Jane Okafor, executive member for Adult Social Care, said: “We will build on this result.”\n"),
        "metadata.json": '{"quillham-scrutiny-minutes.txt": {"authority": "Quillham City Council"}}',
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    rated = answerer.ask("What rating did Quillham get from CQC?")
    assert not rated.abstained and "Requires improvement" in rated.citations[0].quote
    percent = answerer.ask("What did Derbyshire County Council get overall, as a percentage?")
    assert not percent.abstained and "67%" in percent.citations[0].quote
    # who did it: the sentence saying it was done by someone, though another sentence shares more words
    who = answerer.ask("Who introduced the CQC outcome report to Quillham's scrutiny commission, and did the report "
                       "make recommendations?")
    assert not who.abstained and "Dawood introduced" in who.citations[0].quote
    assert any("did not set out any" in c.quote for c in who.citations if c.role == "answer")
    # what a score means, asked of a report that holds no score line: its own words, not another's descriptor
    means = answerer.ask("On Quillham's page, what does a score of 2 in an area stand for?")
    assert not means.abstained and means.citations[0].quote == "2 = requires improvement"
    # who holds a role: the sentence naming the holder of that role, though another is nearer the question
    member = answerer.ask("Who is the executive member quoted on Quillham's CQC result?")
    assert not member.abstained and "Jane Okafor" in member.citations[0].quote
    for answer in (rated, percent, who, means, member):
        assert_all_verbatim(answer, corpus)


def test_scores_told_in_news_prose_answer_score_questions_but_not_a_statements_score(tmp_path, real_embedder):
    # a news page with no score line: a score question of any kind (how many areas got the lowest mark) is
    # answered from its words; a quality statement's score it never gives is not (an overall rating is no answer)
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-news.txt": (
        "Adult care services 'inadequate', council told\n\n"
        "A council has admitted it must do better after a watchdog criticised adult social care services.\n"
        "The Care Quality Commission gave Quillham Borough Council the lowest rating in a newly published report.\n"
        "Inspectors gave the authority the lowest rating of one out of four, meaning the evidence showed "
        "significant shortfalls, for eight of the nine areas it examined.\n"
        "The council said it recognised too many residents were waiting far too long for care.\n"),
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    for asked in ("In how many of the nine areas was Quillham given the lowest mark of one out of four?",
                  "In how many of the nine assessed areas was Quillham given the lowest mark of one out of four?"):
        # (a list asked, then a comparison: neither answered by the headline's overall 'inadequate')
        lowest = answerer.ask(asked)
        assert not lowest.abstained and "eight of the nine areas" in lowest.citations[0].quote
        assert_all_verbatim(lowest, corpus)
    assert answerer.ask("What did Quillham score for safeguarding?").abstained
    # areas told by their score's words ("showed some shortfalls") answer how many areas had shortfalls
    (tmp_path / "words").mkdir()
    answerer, corpus = small_answerer(tmp_path / "words", real_embedder, {"wessex-news.txt": (
        "Wessexshire County Council adult social care 'requires improvement'\n\n"
        "The care watchdog has said Wessexshire County Council's adult social care service requires improvement.\n\n"
        "The Care Quality Commission said eight of nine areas showed some shortfalls while plans to improve access "
        "to care had not been fully implemented.\n\n"
        "The council said it was already acting on the findings.\n"), "derbyshire.txt": CORPUS / DERBYSHIRE})
    some = answerer.ask("Wessexshire - how many of the nine areas had shortfalls?")
    assert not some.abstained and "eight of nine areas" in some.citations[0].quote
    assert_all_verbatim(some, corpus)


def test_a_list_is_quoted_with_the_line_that_introduces_it(tmp_path, real_embedder):
    # a council's page lists its areas under lines ending in " -": "which areas were rated good?" is answered by
    # the line and its items (not by the overall rating), and a quote of a line introducing a list goes on
    # with the list's items
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-cqc-page.txt": (
        "What the Care Quality Commission said\n\n"
        "Quillham City Council was given an overall rating of “Requires Improvement”, with a score of 50%.\n\n"
        "The Care Quality Commission looked at 9 areas.\n\n"
        "2 areas required immediate improvement -\n\n  • Assessing people’s needs\n"
        "  • Supporting people to live healthier lives\n\n"
        "2 areas were rated good -\n\n  • Safeguarding\n  • Working with partners and communities\n\n"
        "5 areas had some strengths, but also room for improvement.\n\n"
        "The Care Quality Commission also recognised important strengths in Quillham, including -\n\n"
        "  • strong safeguarding arrangements\n  • good partnership working with other organisations\n"),
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    good = answerer.ask("Which areas did Quillham do well enough in to be rated good?")
    assert not good.abstained and "Working with partners and communities" in good.citations[0].quote
    strengths = answerer.ask("What strengths did the CQC recognise in Quillham?")
    assert "good partnership working" in strengths.citations[0].quote
    for answer in (good, strengths):
        assert_all_verbatim(answer, corpus)


def test_a_later_part_that_says_little_is_answered_from_its_words(tmp_path, real_embedder):
    # "..., and were annual reviews being done on time?": after the first part is answered, the second holds
    # only half its words in the passage that answers it, which is enough for a later part
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-news.txt": (
        "Adult social care provided by Quillham Borough Council requires improvement, according to the health "
        "watchdog, which has found shortfalls in safeguarding and some people facing long waits for support. \n\n"
        "Inspectors found 'shortfalls' in work around safeguarding, management, partnerships, and care provision, "
        "as well as some people waiting 'too long' for occupational therapy. \n\n"
        "But the report said that those in need were waiting 'too long for a full assessment of their occupational "
        "therapy needs', with some waiting up to six months.\n\n"
        "At the time of the assessment, there were almost 200 people waiting for a full occupational therapy "
        "assessment. \n\n"
        "Staff also weren’t always able to deliver timely annual reviews of people’s care and support need, "
        "according to the report. \n\n"
        "Among other issues highlighted was a lack of personal payments, which can be spent on care and support "
        "services  for people needing adult social care.\n"),
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    answer = answerer.ask("How long were people in Quillham waiting for occupational therapy, and were annual "
                          "reviews being done on time?")
    quoted = " ".join(c.quote for c in answer.citations if c.role == "answer")
    assert "six months" in quoted and "timely annual reviews" in quoted
    assert_all_verbatim(answer, corpus)


def test_paragraphs_parted_by_two_blank_lines_and_one_that_points_back_continue_the_quote(tmp_path, real_embedder):
    # text from a PDF puts two blank lines between every paragraph: that is this report's paragraph break, not
    # the end of a passage, and a next paragraph opening "This includes ..." goes on with the quote's subject
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-scrutiny-minutes.txt": (
        "Quillham Borough Council\n\n\nHealth Scrutiny Panel\n\n\n"
        "The key stages of the CQC assessment of the council are as follows:\n\n\n"
        "       Pre-inspection: The CQC gathers information about the council's performance and policies.\n\n\n"
        "       This includes reviewing data, interviewing staff and reading case files.\n\n\n"
        "       On-site visit: inspectors meet people who use services, their carers and partner agencies.\n\n\n"
        "Members thanked the director for the overview and noted the report.\n"),
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    answer = answerer.ask("What does the pre-inspection stage cover at Quillham?")
    assert not answer.abstained and "reviewing data" in answer.citations[0].quote
    assert_all_verbatim(answer, corpus)


def test_a_figure_asked_for_the_year_before_is_not_answered_by_this_years(answerer):
    # "87% of staff stated they required training" is the assessment's figure; nothing is said of the year before
    asked = "What share of staff in Derbyshire said they needed more transitions training"
    assert "87%" in answerer.ask(f"{asked}?").text
    before = answerer.ask(f"{asked} the year before?")
    assert before.abstained and "don't give" in before.text


def test_a_figure_of_the_period_a_report_names_before_it_does_not_answer_another_period(tmp_path, real_embedder):
    # the passage names no year, the report's opening names the span it covers: a question about another year is
    # declined, one about that span answered
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-annual-review.txt": (
        "Cabinet report\n\n"
        "1. Each year the council reviews its adult social care services. The 2018/19 review for Quillham Borough "
        "Council is attached as Annex 1.\n\n"
        "Reablement\n\n"
        "2. The reablement service supported 1,200 people to regain their independence at home. Most needed no "
        "further care after six weeks.\n"), "derbyshire.txt": CORPUS / DERBYSHIRE})
    other = answerer.ask("How many people did Quillham's reablement service support in 2020/21?")
    assert other.abstained
    same = answerer.ask("How many people did Quillham's reablement service support in 2018/19?")
    assert not same.abstained and "1,200 people" in same.citations[0].quote
    assert_all_verbatim(same, corpus)


def test_the_year_of_a_description_is_not_the_period_asked(tmp_path, real_embedder):
    # "the council whose proposal was approved in April 2006" finds the council; the question asks nothing of 2006,
    # so a passage about 2008/09 answers it
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-service-plan.txt": (
        "Adult social care improvement\n\n"
        "Quillham Borough Council's improvement proposal for adult social care was approved by the Department of "
        "Health in April 2006.\n\n"
        "The 2008/09 Adult Social Care Service Plan will be the main vehicle for driving service improvement, "
        "with progress reported to Cabinet each quarter.\n"), "derbyshire.txt": CORPUS / DERBYSHIRE})
    answer = answerer.ask("For the council whose improvement proposal was approved by the Department of Health in "
                          "April 2006, what is the main vehicle for driving service improvement?")
    assert not answer.abstained and "Service Plan" in answer.text
    assert_all_verbatim(answer, corpus)


def test_a_score_out_of_100_told_in_news_or_minutes_answers_a_score_question(tmp_path, real_embedder):
    # the council's CQC assessment is not held, news and minutes on it are: "in its CQC assessment" is what was
    # assessed, not a document missing; "CQC score" is answered by the points, told in words
    answerer, corpus = small_answerer(tmp_path, real_embedder, {
        "quillham-news.txt": (
            "Adult social care services in Quillham need to improve, watchdog warns\n\n"
            "The Care Quality Commission gave Quillham Council a ‘requires improvement’ verdict following an "
            "inspection.\n\nOut of the 100 points available the council scored 56, which put it in the 38-62 "
            "range, meaning the service overall was judged as ‘requires improvement’.\n"),
        "wessexshire-minutes.txt": (
            "Minutes:\nThe Committee considered a report of the Director on the assessment of Wessexshire County "
            "Council by the Care Quality Commission and the draft improvement plan.\ni.\n"
            "A Member questioned that, with a CQC score of\n53, under which quartile would the County Council "
            "fall when compared\nto other councils. The Director responded that there was no league table.\n"),
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    points = answerer.ask("How many points out of 100 did Quillham get in its CQC assessment?")
    assert not points.abstained and "scored 56" in points.text
    score = answerer.ask("Wessexshire County Council CQC score")
    assert not score.abstained and "53" in score.text
    # compared: the one whose rating no metadata holds is told in its own words too, not left out
    both = answerer.ask("Which scored higher with the CQC, Quillham or Wessexshire?")
    assert "requires improvement" in both.text and "53" in both.text
    for answer in (points, score, both):
        assert_all_verbatim(answer, corpus)


def test_a_council_described_by_words_quoted_from_its_report(tmp_path, real_embedder):
    # "the council whose minutes say the CQC found it 'is cost effective'": the quoted words, stop words and all,
    # are what its report states (a list item of four words)
    answerer, corpus = small_answerer(tmp_path, real_embedder, {
        "quillham-minutes.txt": (
            "Adult Services Cabinet Member – minutes – 13 January 2010\n\n"
            "The council’s grading of “performing well” showed the Commission had found that the council:\n\n"
            "  • Consistently delivered above minimum requirements\n  • Is cost effective\n"
            "  • Made contributions to wider outcomes for the community.\n"),
        "wessexshire-news.txt": (
            "Wessexshire adult social care rated good\n\nThe Care Quality Commission rated Wessexshire County "
            "Council's adult social care as good. Inspectors found the council's services were effective and that "
            "costs were well controlled.\n"),
        "metadata.json": json.dumps({"reports": {"quillham-minutes.txt": {"authority": "Quillham Council"}}}),
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    u = answerer.understand("What grade did the council whose minutes say the CQC found it 'is cost effective' get?")
    assert u.authorities == ("Quillham Council",)
    from assistant.authorities import _content_of

    # the words searched for: the quoted phrase whole, its "is" kept
    assert "'is cost effective'" in _content_of("whose minutes say the CQC found it 'is cost effective'", None)


def test_a_publication_date_told_in_a_sentence_answers_when_a_report_was_published(tmp_path, real_embedder):
    # no date line at the top: the sentence that says when the report was published answers it, not a rating
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-cqc-page.txt": (
        "In 2022, the Health and Care Act gave the Care Quality Commission a new role.\n\n"
        "Quillham City Council’s Adult Social Care services were assessed by the Care Quality Commission in May "
        "2025. The final report was published on 24 October 2025.\n\n"
        "Quillham City Council was given an overall rating of “Requires Improvement”, with a score of 50%.\n"),
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    answer = answerer.ask("When was Quillham's CQC assessment report published?")
    assert not answer.abstained and "24 October 2025" in answer.citations[0].quote
    assert_all_verbatim(answer, corpus)
    # a role the page never names has no holder to quote
    assert answerer.ask("Who is Quillham City Council's director of adult social services?").abstained
    # minutes dating the inspection, not the report: no publication date to give
    (tmp_path / "minutes").mkdir()
    minutes, _ = small_answerer(tmp_path / "minutes", real_embedder, {"wessex-minutes.txt": (
        "Agenda item\n\nAdult Social Care Update\n\nWessexshire had been advised in 2023 that it would be "
        "inspected by the CQC in 2024. The Council received the templates and started to develop an action plan.\n"),
        "metadata.json": '{"wessex-minutes.txt": {"authority": "Wessexshire County Council"}}',
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    assert minutes.ask("When was Wessexshire's CQC assessment report published?").abstained


def test_a_fact_later_in_the_paragraph_about_what_the_description_names(tmp_path, real_embedder):
    # the authority described by what its minutes say ("whose stepdown flats are run with Curo"); the question
    # points back at it ("stay in one") and the duration is two sentences after the one that matches
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-minutes.txt": (
        "Agenda item\n\nAdult Social Care Residential Services update\n\n"
        "The Assistant Director summarised the update on in-house residential and extra care services.\n\n"
        "·  Extra Care is provided across 5 service locations, for individuals who value independence.\n\n \n\n"
        "·  The Stepdown service is delivered in partnership with Curo as a social housing landlord. There are six "
        "stepdown flats at two Extra Care sites (Hawthorn Court and St John’s Court). The Stepdown service provides "
        "short term (up to 12 weeks) accommodation with care to people who are at risk of hospital admission.\n"),
        "metadata.json": '{"quillham-minutes.txt": {"authority": "Quillham City Council"}}',
        "derbyshire.txt": CORPUS / DERBYSHIRE})
    answer = answerer.ask("In the council whose stepdown flats are run with Curo, how long can someone stay in one?")
    assert not answer.abstained and "up to 12 weeks" in answer.citations[0].quote
    assert_all_verbatim(answer, corpus)


def test_a_council_named_in_a_passage_is_not_another_whose_name_holds_it():
    assert _names("Local Authorities. Derbyshire County\nCouncil scored 67%", "Derbyshire")
    assert not _names("CQC has rated North Somerset Council as requires improvement", "Somerset")
    assert _names("Somerset Council was rated good", "Somerset")


def test_the_role_a_who_question_names():
    assert _asked_role("Who is the executive member quoted on the CQC result?") == {"execut", "member"}
    assert _asked_role("Who is Norfolk's cabinet member for adult social services?") == {"cabinet", "member"}
    assert _asked_role("Who runs the helpline?") == set()


def test_a_council_named_only_in_a_report_whose_authority_went_undetected(tmp_path, real_embedder):
    # the report names two councils as often as each other, so no authority is detected: a question naming one
    # is answered from that report, saying so, rather than "not covered"; a council it never names still is
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"joint-winter-news.txt": (
        "Joint winter arrangements agreed\n\n"
        "Rutland and Leicestershire will share one hospital discharge team this winter.\n"
        "In Rutland, unpaid carers will be offered free flu vaccinations and a named contact.\n"
        "In Leicestershire, the council will fund 40 extra reablement places.\n")})
    assert answerer.index.metadata("joint-winter-news.txt").authority is None
    # (a bare "Rutland" the report uses is read as a place and searched for; a full council name is asked as one)
    answer = answerer.ask("What is Rutland County Council doing for unpaid carers this winter?")
    assert not answer.abstained and answer.text.startswith("No indexed report is filed under Rutland County Council")
    assert "free flu vaccinations" in answer.citations[0].quote
    assert_all_verbatim(answer, corpus)
    assert answerer.ask("What is Manchester City Council doing for unpaid carers?").abstained


def test_overall_ratings_told_in_news_are_compared_and_asked_by_grade(tmp_path, real_embedder):
    answerer, corpus = small_answerer(tmp_path, real_embedder, {
        "quillham-news.txt": ("Praise for Quillham Borough Council’s adult social care as inspectors rate service "
                              "as Good\n\nThe Care Quality Commission (CQC) has praised Quillham Borough Council, "
                              "rating the adult social care the Council provides as ‘Good’.\n"
                              "Councillor Jane Okafor, cabinet member for adult social care, welcomed the report.\n"),
        "wessex-news.txt": ("Wessexshire County Council is working to improve adult social care after inspectors "
                            "rated the provision ‘inadequate’.\n\nThe council said it took the findings seriously "
                            "and would publish an improvement plan.\nCouncillor Tom Reeve, cabinet member for adult "
                            "social care, said the council welcomed the report's challenge.\n")})
    better = answerer.ask("Is Quillham's CQC rating better than Wessexshire's?")
    assert better.text.startswith("Highest overall: Quillham Borough Council (Good).")
    worse = answerer.ask("Which was rated worse by the CQC, Quillham or Wessexshire?")
    assert worse.text.startswith("Lowest overall: Wessexshire County Council (Inadequate).")
    assert [c.doc for c in better.citations if c.role == "answer"] == ["quillham-news.txt", "wessex-news.txt"]
    which = answerer.ask("Which council in the reports had its adult social care rated inadequate?")
    assert not which.abstained and {c.doc for c in which.citations if c.role == "answer"} == {"wessex-news.txt"}
    # described by a person's name its report alone prints
    named = answerer.ask("What rating did the council whose cabinet member is Councillor Jane Okafor get from CQC?")
    assert not named.abstained and named.citations[0].doc == "quillham-news.txt"
    for answer in (better, which, named):
        assert_all_verbatim(answer, corpus)


def test_more_evidence_of_the_same_report_fills_the_room_the_best_quote_leaves(tmp_path, real_embedder):
    # news prints a sentence a paragraph: the best sentence alone leaves most of the budget; a sentence of the same
    # report scoring nearly as well is quoted after it under the same label, another report's never; a title that
    # names its authority ("Quillham Borough Council’s ...") is the label whole
    answerer, corpus = small_answerer(tmp_path, real_embedder, {
        "quillham-news.txt": (
            "Quillham Borough Council’s adult social care rated good\n\n"
            "Inspectors praised Quillham Borough Council's safeguarding, finding clear processes and strong "
            "partnership working.\n\n"
            "The council's offices are on the High Street, next to the library.\n\n"
            "Inspectors also praised Quillham's hospital discharge, finding people left hospital safely and on "
            "time.\n"),
        "wessex-news.txt": ("Inspectors praised Wessexshire County Council's safeguarding and its work with "
                            "carers.\n")})
    a = answerer.ask("What did inspectors praise at Quillham?")
    quoted = [c for c in a.citations if c.role == "answer"]
    assert not a.abstained and [c.doc for c in quoted] == ["quillham-news.txt", "quillham-news.txt"]
    assert any("safeguarding" in c.quote for c in quoted) and any("hospital discharge" in c.quote for c in quoted)
    assert "High Street" not in a.text
    # one label, the title as it names its authority (not "Quillham Borough Council — ’s adult social care")
    assert a.text.startswith("Quillham Borough Council’s adult social care rated good: “") and a.text.count(":") == 1
    assert sum(len(c.quote) for c in quoted) <= answerer.settings.quote_chars * answerer.settings.further_factor
    assert_all_verbatim(a, corpus)
    # a part of a two-part question gets the same (in its share of the budget), and no part quotes again what
    # another part or its first quote holds
    for q in ("What did inspectors praise at Quillham, and where are the council's offices?",
              "Where are Quillham's offices, and what did inspectors praise there?"):
        two = answerer.ask(q)
        spans = sorted((c.start, c.end) for c in two.citations if c.role == "answer")
        assert not two.abstained and len(spans) >= 2, q
        assert all(b <= c for (_, b), (c, _) in zip(spans, spans[1:], strict=False)), q  # no text quoted twice
        assert "High Street" in two.text and "safeguarding" in two.text, q
        assert_all_verbatim(two, corpus)
    first = answerer.ask("What did inspectors praise at Quillham, and where are the council's offices?")
    assert "hospital discharge" in first.text.split("\n")[0]


def test_a_question_of_one_part_has_a_longer_room_for_further_evidence(tmp_path, real_embedder):
    # a long best paragraph leaves less than `second_min_chars` of `quote_chars`; a question of one part has
    # `further_factor` times the room, so the same report's next evidence follows it
    long = ("Inspectors praised Quillham Borough Council's safeguarding, finding clear processes, strong partnership "
            "working with the police and the NHS, a safeguarding adults board that learned from every review it "
            "carried out, staff who knew how to raise a concern and were confident they would be heard, and people "
            "who said they felt safe and listened to when they raised worries about themselves or someone they "
            "cared for, including carers who had asked for help out of hours.")
    files = {"quillham-news.txt": (
        "Quillham adult social care inspection\n\n" + long + "\n\n"
        "The council's offices are on the High Street, next to the library.\n\n"
        "Inspectors also praised Quillham's hospital discharge, finding people left hospital on time.\n")}
    answerer, corpus = small_answerer(tmp_path, real_embedder, files)
    s = answerer.settings
    assert s.quote_chars - len(long) < s.second_min_chars <= s.quote_chars * s.further_factor - len(long)
    a = answerer.ask("What did inspectors praise at Quillham?")
    quoted = [c for c in a.citations if c.role == "answer"]
    assert [c.quote for c in quoted] == [long, "Inspectors also praised Quillham's hospital discharge, finding "
                                               "people left hospital on time."]
    assert_all_verbatim(a, corpus)
    narrow = Answerer(answerer.index, real_embedder, dataclasses.replace(s, further_factor=1.0))
    assert [c.quote for c in narrow.ask("What did inspectors praise at Quillham?").citations
            if c.role == "answer"] == [long]


def test_question_words_weigh_the_same_in_every_process():
    # a set's order changes with the process's hash seed: the rarest word breaks ties by the word, and a share is
    # an exact sum, so the same question gets the same answer in every run (a tie had flipped a tune-12 answer)
    idf = {"panel": 2.0, "chair": 2.0, "merton": 0.1, "scrutini": 0.7}.get
    one = _Stems({"panel", "chair", "merton", "scrutini"}, idf)
    assert one.rarest == "panel"
    tokens = {"chair", "merton", "scrutini", "report"}
    shares = {_Stems(set(order), idf).share(tokens)
              for order in (["panel", "chair", "merton", "scrutini"], ["scrutini", "merton", "chair", "panel"])}
    assert shares == {(2.0 + 0.1 + 0.7) / (2.0 + 2.0 + 0.1 + 0.7)}


def test_a_misspelt_word_of_the_question_does_not_count_as_a_rare_word_no_passage_holds():
    # "wat did the reprot commend them for": "reprot" stands beside the "report" the speller added and "wat" is a
    # misspelt asking word; neither counts against a passage. A word the reports never use that misspells
    # nothing of the question ("scilly"), or a year, still counts.
    df = {"report": 40, "commend": 2, "2023": 3}
    found = _misspellings({"wat", "reprot", "report", "commend", "scilli", "2024", "2023"}, lambda w: df.get(w, 0))
    assert found == {"wat", "reprot"}


def test_several_authorities_scores_asked_at_once_each_answered_from_score_lines_or_words(tmp_path, real_embedder):
    # one authority's score is held as a score line, the other's only told in its news: each is answered
    answerer, corpus = small_answerer(tmp_path, real_embedder, {
        "derbyshire.txt": CORPUS / DERBYSHIRE,
        "quillham-news.txt": ("Quillham Borough Council adult care services 'inadequate'\n\n"
                              "The Care Quality Commission rated Quillham Borough Council's adult social care "
                              "inadequate in a report published today.\n\n"
                              "The council said it would publish an improvement plan.\n"),
        "wessex-news.txt": ("Wessexshire County Council's adult social care has been rated good by the Care Quality "
                            "Commission.\n\nThe council's cabinet member welcomed the report.\n")})
    for q in ("How did Derbyshire and Quillham each come out of their CQC assessments?",
              "Derbyshire versus Quillham: how did each come out of its CQC assessment?"):
        a = answerer.ask(q)
        docs = {c.doc for c in a.citations if c.role == "answer"}
        assert not a.abstained and docs == {"derbyshire.txt", "quillham-news.txt"}, q
        assert "Score: 3" in a.text and "inadequate" in a.text, q
        assert_all_verbatim(a, corpus)
    # neither held as a score line: each one's words
    both = answerer.ask("How did Quillham and Wessexshire each come out of their CQC assessments?")
    assert {c.doc for c in both.citations if c.role == "answer"} == {"quillham-news.txt", "wessex-news.txt"}
    assert_all_verbatim(both, corpus)


def test_a_date_asked_of_a_decision_is_its_labelled_field(tmp_path, real_embedder):
    # a decision record prints its dates as labelled fields: the field whose label names what is asked answers
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-decision.txt": (
        "Key Decision QB11/12-20 Improvements to Quillham Borough Council's day and short break services\n\n"
        "Decision Maker: Cabinet\n\n"
        "Decision status: Recommendations Approved\n\n"
        "Following consideration of a report on proposals to enhance day and short break services, "
        "the Cabinet agreed to consult on the transfer of some services.\n\n"
        "Publication date: 12/01/2012\n\n"
        "Date of decision: 09/01/2012\n\n"
        "Effective from: 20/01/2012\n")})
    a = answerer.ask("When did the Quillham cabinet take the day services decision?")
    assert not a.abstained and "09/01/2012" in a.text
    assert_all_verbatim(a, corpus)


@pytest.fixture(scope="module")
def eval_pages(tmp_path_factory, real_embedder):
    """An answerer over one folder of the evaluation's pages (a tuning set's), built once per folder."""
    built: dict[str, tuple[Answerer, Path]] = {}

    def answerer_of(folder: str) -> tuple[Answerer, Path]:
        if folder not in built:
            pages = PROJECT_ROOT / "eval" / "reports" / folder
            built[folder] = small_answerer(tmp_path_factory.mktemp(folder), real_embedder,
                                           {p.name: p for p in pages.iterdir()})
        return built[folder]

    return answerer_of


def test_the_fact_in_the_sentence_after_the_best_one_answers_a_part(eval_pages):
    # news names the person a paragraph after the headline that matches the question: when the part's share of
    # the budget has no room for both, the sentence holding the name is quoted rather than the part declined
    # (a page of the tune-7 evaluation set)
    answerer, corpus = eval_pages("tune-7")
    a = answerer.ask("Who is the new leader of Havering Council and when did the CQC site inspection take place?")
    assert not a.abstained and "Keith Prince" in a.text and "August 2025" in a.text
    assert "don't give" not in a.text
    assert_all_verbatim(a, corpus)


def test_who_wrote_a_report_is_its_author(eval_pages):
    # a decision record names its author in a labelled field ("Report author: ..."), not with the question's verb;
    # its best line for "who wrote that report?" is another field (a page of the tune evaluation set)
    from assistant.answer import _asked_deed

    assert {"wrote", "author"} <= set(_asked_deed("who wrote that report?"))
    answerer, corpus = eval_pages("tune")
    before = "What was the Q2 2023/24 adverse position for Wirral's adult social care and public health committee?"
    answer = answerer.ask(answerer.follow_up("who wrote that report?", before))
    assert not answer.abstained and "Report author:" in answer.text
    assert_all_verbatim(answer, corpus)


def test_a_statements_score_told_in_words_is_the_one_naming_it_not_any_rating(eval_pages):
    # news tells a quality statement's score in words ("a 'good' score of three in five of these areas, including
    # safeguarding"); a photo's caption ("a 'good' rating") tells the overall rating, which says nothing of
    # safeguarding (a page of the tune-6 evaluation set)
    answerer, corpus = eval_pages("tune-6")
    a = answerer.ask("did stoke on trent get a 3 for safegaurding?")
    assert not a.abstained and "including safeguarding" in a.text
    assert_all_verbatim(a, corpus)
    # ... and a score asked by its value is answered where that value is told
    twos = answerer.ask("Which areas did Stoke only get a 2 in?")
    assert "scores of two in four categories" in twos.text


def test_a_comparison_with_an_authority_given_no_score_for_the_statement_is_not_answered(tmp_path, real_embedder):
    # "X got a 3 for safe pathways - did Y do better?": Y is indexed, but nothing gives its safe pathways score
    answerer, corpus = small_answerer(tmp_path, real_embedder, {
        DERBYSHIRE: CORPUS / DERBYSHIRE,
        "quillham-news.txt": ("Quillham Council news\n\nQuillham Council opened two new day centres for older "
                              "people this year, the council said.\n")})
    a = answerer.ask("Derbyshire got a 3 for safe pathways, systems and transitions - did Quillham do better on "
                     "that one?")
    assert a.abstained and "don't give Quillham Council a score for Safe pathways" in a.text
    assert "Score: 3" in a.text and all(c.role == "closest" for c in a.citations)
    assert_all_verbatim(a, corpus)


def test_words_a_question_quotes_name_the_passage_that_answers_it(answerer):
    # "the 'home from hospital' service": the winter plan's hospital discharge actions are closer in meaning, but
    # only the assessment's passage says the quoted name
    a = answerer.ask("In Derbyshire, what does the 'home from hospital' service provide?")
    assert not a.abstained and "commissioned ‘home from hospital’" in a.citations[0].quote


def test_who_wrote_a_news_article_is_its_reporter(eval_pages):
    # "Who wrote the ... article?" sounds like "when was it published?" to the labelled examples, but asks who; a
    # news article's writer is named in its byline ("..., reports Grace Howarth, Local Democracy Reporter"), however
    # it ranks among the best passages (a page of the tune-10 evaluation set)
    from assistant.answer import _asked_deed

    assert "report" in _asked_deed("Who wrote the article?") and "report" not in _asked_deed("Who wrote the report?")
    answerer, corpus = eval_pages("tune-10")
    a = answerer.ask("Who wrote the Haringey CQC article?")
    assert not a.abstained and "Grace Howarth" in a.text
    assert_all_verbatim(a, corpus)
    # asked after another question, the follow-up's words are far from every passage but the byline answers it
    # (a page of the tune-5 evaluation set)
    answerer, corpus = eval_pages("tune-5")
    first = "what did Newham score from the CQC?"
    a = answerer.ask(answerer.follow_up("who wrote that article?", first))
    assert not a.abstained and "reports Nick Clark, Local Democracy Reporter" in a.citations[0].quote
    assert_all_verbatim(a, corpus)
    # a question of who wrote something else gets no byline
    assert answerer.ask(answerer.follow_up("who wrote the council's improvement plan?", first)).abstained


def test_an_authority_described_by_what_its_report_says_is_the_one_whose_passage_says_most_of_it(eval_pages):
    # "the council whose deputy leader called the CQC report a difficult read": York's page about its CQC report
    # ranks first for the words, Blackpool's says them ("Deputy Leader ... admitted the report was a difficult
    # read"); the passage holding more of the description's rare words names the council (a tune-5 page set)
    answerer, corpus = eval_pages("tune-5")
    u = answerer.understand("The council whose deputy leader called the CQC report a difficult read: what does it "
                            "need to improve about equipment and reablement?")
    assert u.authorities == ("Blackpool Council",)
    weights = answerer._authorities_stating("whose deputy leader called the CQC report a difficult read")
    assert max(weights, key=weights.get) == "Blackpool Council"
    # a year alone is said of much ("the last national inspection programme ... ceased in 2010"): the passage that
    # says the description's words names the council (a tune-10 page set)
    answerer, _ = eval_pages("tune-10")
    u = answerer.understand("The council whose adult safeguarding was directly inspected for the first time in 2010: "
                            "which of the two areas inspectors looked at only got 'performs well'?")
    assert u.authorities == ("Salford City Council",)


def test_a_later_part_asking_what_else_is_read_by_its_subject_words(eval_pages):
    # "and what else was a barrier for people?": "else" asks, like "what"; it is no subject word the passage must
    # hold (it had made the part's best passage hold under half its words, and the part was declined)
    answerer, corpus = eval_pages("tune-10")
    a = answerer.ask("What did unpaid carers in Haringey tell inspectors, and what else was a barrier for people?")
    assert not a.abstained and "don't give" not in a.text
    assert "not easily accessible or suitable" in a.text and "Timeliness of assessments" in a.text
    assert_all_verbatim(a, corpus)


def test_an_overall_result_told_in_words_is_quoted_with_the_score_told_beside_it(eval_pages):
    # news telling a council was "a hair's breadth from having its adult social services rated as good" tells its
    # rating only by what it missed; the overall score is in another paragraph ("an overall score of 62"), and an
    # overall result asked for is both (a page of the tune-9 evaluation set)
    answerer, corpus = eval_pages("tune-9")
    for q in ("What overall result did Wakefield Council get from the CQC?",
              "Overall, what score was Wakefield given by the CQC?"):
        a = answerer.ask(q)
        assert not a.abstained and "overall score of 62" in a.text, q
        assert_all_verbatim(a, corpus)


def test_what_a_named_authoritys_score_means_is_told_by_its_own_report(eval_pages):
    # "what does the 2 in X's rating mean?": several reports print the descriptor of a 2; X's own is quoted
    answerer, corpus = eval_pages("tune")
    for council, doc in (("Gloucestershire", "gloucestershire-assessing-needs.txt"),
                         ("Derbyshire", "derbyshire-assessing-needs.txt")):
        a = answerer.ask(f"what does the 2 in {council}'s assessing needs rating actually mean?")
        assert not a.abstained and "some shortfalls" in a.text
        assert a.citations[0].doc == doc and council in a.text
        assert_all_verbatim(a, corpus)


def test_what_else_a_question_asks_beyond_what_it_echoes_follows_the_echoed_passage(eval_pages):
    # "X needs more work on digital inclusion - what other access problems ...?": the sentence the question echoes
    # is what the asker knows already; the evidence asked for follows it, across the news page's paragraph break
    answerer, corpus = eval_pages("tune-5")
    a = answerer.ask("Kirklees has to do more on digital inclusion - what other access problems did the "
                     "inspectors find?")
    assert not a.abstained and "long telephone waits" in a.text
    assert_all_verbatim(a, corpus)


def test_a_later_part_asked_of_one_authority_is_read_against_its_reports(answerer, real_index):
    # "..., and what was the main criticism?" leans on the subject of the part before (safe pathways), not on what
    # that part asked of it (a score); and a comparison's later authority, far in cosine from the question as a
    # whole (0.17), is read against that authority's reports: Camden's passage on information sharing is quoted
    a = answerer.ask("What did Derbyshire score on safe pathways, and what was the main criticism?")
    assert not a.abstained and "don't give" not in a.text and "Score: 3" in a.text
    assert len({c.start for c in a.citations if c.role == "answer"}) == 2
    both = answerer.ask("How does access to records and information sharing compare between Derbyshire and Camden?")
    assert "don't say" not in both.text and "no barriers to information sharing" in both.text
    assert {c.doc for c in both.citations if c.role == "answer"} == {"000_cc368b11dbfad350.txt",
                                                                     "001_d6b23fda1bcedbce.txt"}
    for got in (a, both):
        assert_all_verbatim(got, real_index[0].corpus_dir)


def test_a_quote_is_labelled_with_the_heading_it_sits_under(eval_pages):
    # a council page's themes are headings ("Working with people") over sentences that never name them ("This
    # theme covers ... charging arrangements"): which theme is told by the heading in the quote's label; a line the
    # page parser took for a heading that reads as none (a caption, a link) is not shown
    from assistant.answer import _HEADING

    answerer, corpus = eval_pages("tune-12")
    a = answerer.ask("On the Isle of Wight's assurance page, which theme covers charging arrangements?")
    assert not a.abstained and "— Working with people: “This theme covers" in a.text
    assert_all_verbatim(a, corpus)
    assert _HEADING.match("Decisions") and not _HEADING.match("Image caption,")
    assert not _HEADING.match("Minutes pdf icon PDF 176 KB") and not _HEADING.match("Alexandra House, headquarters "
                                                                                    "for Haringey Council")


def test_what_a_score_means_on_a_page_that_lists_scores_without_descriptors_is_told_in_its_words(eval_pages):
    # Liverpool's news lists "Safeguarding - 2" but prints no descriptor line; it says what the scale means in its
    # own words ("with one being the evidence shows significant shortfalls, and four showing an exceptional
    # standard"), and that answers, not "none of the reports has a score of 1"
    answerer, corpus = eval_pages("tune-12")
    a = answerer.ask("On the scale in the Liverpool article, what do a 1 and a 4 stand for?")
    assert not a.abstained and "significant shortfalls" in a.text and "exceptional standard" in a.text
    assert_all_verbatim(a, corpus)
    scored = answerer.ask("liverpool safegaurding score?")
    assert not scored.abstained and "Safeguarding - 2" in scored.text


def test_a_loose_paraphrase_of_a_passage_is_answered_and_a_question_on_an_unheard_subject_is_not(eval_pages):
    # "workforce problems" for "pressures on workforce challenges ... not as fully resourced" is only a loose match
    # (cosine about 0.19); a question about football, a word no report uses, at 0.27 is off topic (tune-7 pages)
    answerer, corpus = eval_pages("tune-7")
    loose = answerer.ask("In the county council that scored 70 out of 100, what workforce problems did inspectors "
                         "find?")
    assert not loose.abstained and "not as fully resourced" in loose.text
    assert_all_verbatim(loose, corpus)
    assert answerer.ask("Who won the football in Northumberland on Saturday?").abstained


def test_a_report_held_is_quoted_on_what_the_question_asks_of_it(eval_pages):
    # "do we hold minutes about getting ready for the CQC?": the report held, and what it says of that (its
    # first line is "Report to follow.", which says nothing of it); a page of the tune-7 evaluation set
    answerer, corpus = eval_pages("tune-7")
    a = answerer.ask("Do we hold any Oldham Council minutes about getting ready for the CQC?")
    assert a.text.startswith("Held: oldham-cqc-preparedness-scrutiny-minutes.txt") and "Preparedness" in a.text
    assert {c.doc for c in a.citations if c.role == "answer"} == {"oldham-cqc-preparedness-scrutiny-minutes.txt"}
    assert_all_verbatim(a, corpus)
    only = answerer.ask("Do we hold any Oldham Council minutes?")  # whether it is held, nothing more
    assert only.text.startswith("Held:") and "Preparedness" not in only.text


def test_the_ratings_of_a_councils_providers_are_not_its_own(eval_pages):
    # a local account's page on the care market: providers' ratings, under "Working with providers", answer a
    # question about providers, never one about the council's own rating (a page of the tune-9 evaluation set)
    answerer, corpus = eval_pages("tune-9")
    own = answerer.ask("What is Coventry City Council's own CQC rating for adult social care?")
    assert own.abstained and "Coventry" in own.text
    market = answerer.ask("How many Coventry care providers were rated Outstanding in March 2023?")
    assert not market.abstained and "Outstanding: 5" in market.text
    assert_all_verbatim(market, corpus)


def test_a_quote_ending_said_goes_on_with_what_was_said(tmp_path, real_embedder):
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-news.txt": (
        "Quillham adult social care requires improvement\n\n"
        "The Care Quality Commission (CQC) has rated Quillham Council as requires improvement.\n\n"
        "James Bullion, CQC’s chief inspector of adult social care and integrated care, said:\n\n"
        "“Quillham Council had leaders who understood the issues its community was facing. Waiting lists were "
        "long but falling.”\n\n"
        "The council will publish an action plan in the spring.\n")})
    a = answerer.ask("What did the CQC's chief inspector of adult social care and integrated care say about "
                     "Quillham?")
    assert "said:" in a.text and "leaders who understood the issues" in a.text
    assert_all_verbatim(a, corpus)


def test_what_was_said_follows_its_speaker_past_a_parts_share_of_the_budget(tmp_path, real_embedder):
    # a part of a two-part question is quoted within `part_share` of the budget; "... said:" says nothing yet, so
    # the words said may take it to the whole answer's budget
    answerer, corpus = small_answerer(tmp_path, real_embedder, {"quillham-news.txt": (
        "Quillham adult social care requires improvement\n\n"
        "The Care Quality Commission (CQC) has rated Quillham Council as requires improvement.\n\n"
        "James Bullion, CQC’s chief inspector of adult social care and integrated care, said:\n\n"
        "“At our assessment of Quillham Council’s adult social care services, we found leaders had a close working "
        "relationship with partner organisations to ensure residents across Quillham had good access to health and "
        "social care services, and staff told us they felt listened to.”\n\n"
        "The council will publish an action plan in the spring to tackle waiting lists for assessments.\n")})
    a = answerer.ask("What did James Bullion say about Quillham's leaders, and when will the council publish its "
                     "action plan?")
    assert "said:" in a.text and "close working relationship" in a.text and "in the spring" in a.text
    assert_all_verbatim(a, corpus)


@pytest.mark.parametrize("question, said", [
    # "CQC" names the article's subject when none of Wakefield's reports is a CQC assessment, not a kind of report
    # to keep to
    ("What date is on the Wakefield article about the CQC result?", ("2025-09-17",)),
    # the description finds the council; what is asked of it is the praise or what was said of its staff, not the
    # sentence the description came from (naming Albion Mill, giving the visit's dates)
    ("The council with an intermediate care facility called Albion Mill - what did the CQC praise it for?",
     ("management skills",)),
    ("The council that had its CQC on-site visit on 30 April and 1 May 2025 - what did inspectors say about its "
     "staff?", ("passionate staff",)),
    # news prints a speaker's statement a paragraph at a time, each opening with a quotation mark; and a question
    # naming the speaker is about them however little else of its wording the passage shares
    ("When Lorna Campbell called Lambeth's result a significant achievement, what did she say it came alongside?",
     ("significant achievement", "personalise social care services")),
    # a cabinet report prints its meeting's date as a line of its own ("Tuesday, 19 February 2008"), sharing no
    # word with the question
    ("When was the Oxfordshire cabinet meeting that considered the CSCI annual report?", ("19 February 2008",)),
])
def test_questions_on_the_tune_9_pages_are_answered_with_the_asked_words(eval_pages, question, said):
    answerer, corpus = eval_pages("tune-9")
    a = answerer.ask(question)
    assert not a.abstained and all(words in a.text for words in said), a.text
    assert_all_verbatim(a, corpus)


def test_what_a_score_means_is_told_by_a_passage_saying_the_scales_words(eval_pages):
    # Warrington's page gives no descriptor line and no key; what its 1 for safeguarding means is in the sentence
    # saying the scale's words ("This means that 'evidence shows significant shortfalls ...'"), searched with CQC's
    # descriptor of that score, not the passage nearest the question's words (the heading "What is safeguarding?")
    answerer, corpus = eval_pages("tune-8")
    a = answerer.ask("warington got a 1 for safeguarding - what does that actually mean?")
    assert not a.abstained and "significant shortfalls" in a.text
    assert_all_verbatim(a, corpus)

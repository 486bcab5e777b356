"""CQC's vocabulary on the real layouts: statement names and their variants, score lines in every layout (statement
pages, pilots, summary pages, press releases), overall ratings, page furniture."""

from __future__ import annotations

import pytest
from conftest import DERBYSHIRE, text_of

from assistant import cqc
from assistant.evaluate import EVAL_DIR


def report(half: str, name: str) -> str:
    return (EVAL_DIR / "reports" / half / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("line,statement", [
    ("Safeguarding", "Safeguarding"),
    ("  • Assessing needs", "Assessing needs"),
    ("Supporting people to live healthier lives", "Supporting people to lead healthier lives"),
    ("Safe systems, pathways and transitions", "Safe pathways, systems and transitions"),
    ("Equity in experience and outcomes", "Equity in experiences and outcomes"),
    ("4. care provision, integration and continuity of care |", "Care provision, integration and continuity"),
    ("Quality statement 7: Safeguarding", "Safeguarding"),
    ("Safeguarding Adults Board", None),
    ("Safeguarding was effective.", None),
    ("Learning disability services", None),
])
def test_a_statement_is_known_however_it_is_written(line, statement):
    assert cqc.statement_of_line(line) == statement


@pytest.mark.parametrize("question,statement", [
    ("what did we score on safe pathways?", "Safe pathways, systems and transitions"),
    ("was camden's transitions rating exceptional?", "Safe pathways, systems and transitions"),
    ("gloucestershre safegaurding mark", "Safeguarding"),
    ("how were they rated for assessing people's needs", "Assessing needs"),
    ("how are young people supported?", None),
])
def test_questions_name_statements_by_their_phrases(question, statement):
    assert cqc.statement_in(question) == statement


def _items(text):
    return [(i.statement, i.score, text[i.start:i.end]) for i in cqc.score_items(text)]


def test_a_statement_page_score_and_its_descriptor():
    assert _items(text_of(DERBYSHIRE)) == [("Safe pathways, systems and transitions", 3,
                                            "Score: 3\n3 - Evidence shows a good standard")]


def test_a_pilot_prints_the_number_only_on_the_descriptor_line():
    text = report("tune", "birmingham-assessing-needs-pilot.txt")
    assert _items(text) == [("Assessing needs", 2, "Indicative score:\n2 - Evidence shows some shortfalls")]


def test_a_summary_page_lists_nine_statements_each_cited_with_its_name():
    text = report("test", "hertfordshire-overall-summary.txt")
    items = _items(text)
    assert [s for s, _, _ in items] == list(cqc.QUALITY_STATEMENTS)
    assert items[4] == ("Partnerships and communities", 4, "• Partnerships and communities\n    Score: 4")
    rating = cqc.overall_rating(text)
    assert (rating.rating, rating.points) == ("Good", 78)
    assert text[rating.start:rating.end] == "• Hertfordshire County Council\n    Good"


def test_a_news_list_of_scores_without_bullets_names_each_statement():
    # "Assessing people’s needs - 2", one a paragraph (Liverpool's news, tune-12): a statement's name, a dash, its
    # score; a dash and a figure in prose is no score
    text = report("tune-12", "liverpool-asc-cqc-good-scores-news.txt")
    items = _items(text)
    assert len(items) == 9 and items[0] == ("Assessing needs", 2, "Assessing people’s needs - 2")
    assert items[6] == ("Safeguarding", 2, "Safeguarding - 2")
    prose = "Waiting lists - 2\n\nOlder people - 3\n\nCarers - 4\n"
    assert _items(prose) == []


@pytest.mark.parametrize("half,name,first,seventh,rating", [
    # a numbered list naming the statements by their themes: the place in CQC's order says which
    ("test", "surrey-press-release.txt", ("Assessing needs", 2, "1. how the local authority works with people – 2"),
     ("Safeguarding", 2, "7. safeguarding – 2"), "Good"),
    # a dashed list with scores in words
    ("test", "nottingham-pilot-press-release.txt",
     ("Assessing needs", 2, "- how the local authority works with people – indicative score of two"),
     ("Safeguarding", 3, "- safeguarding – indicative score of three"), "Requires improvement"),
    # a table flattened one cell a line
    ("tune", "camden-press-release-mirror.txt", ("Assessing needs", 3, "1. assessing people’s needs |\n3 |"),
     ("Safeguarding", 3, "7. safeguarding |\n3 |"), "Outstanding"),
])
def test_press_releases_list_the_nine_scores_in_several_layouts(half, name, first, seventh, rating):
    text = report(half, name)
    items = _items(text)
    assert len(items) == 9 and items[0] == first and items[6] == seventh
    assert cqc.overall_rating(text).rating == rating


@pytest.mark.parametrize("text, rating, points, quoted", [
    ("Local authority rating and score\n\n  • Northshire County Council\n    Good\nOverall rating for Northshire "
     "County Council: 75%\n", "Good", 75, "Overall rating for Northshire County Council: 75%"),
    ("Northshire County Council scored 78 out of 100 overall, indicating a good standard\n", "Good", 78,
     "Northshire County Council scored 78 out of 100 overall, indicating a good standard"),
    # a council's own news: the rating and the points in sentences of running text, each quoted as its sentence
    ("The director presented a report on the CQC inspection, which resulted in a ‘Good’ rating. Members were "
     "pleased.\nMembers heard that our service’s score of 70 points compared favourably to the average.\n",
     "Good", 70, "Members heard that our service’s score of 70 points compared favourably to the average."),
    # news: a rating and its points in one phrase, "rated as" points, "a rating of" a percentage
    ("Leeds City Council’s adult social care scored a ‘good’ 70 out of 100 in the CQC assessment.\n", "Good", 70,
     "Leeds City Council’s adult social care scored a ‘good’ 70 out of 100 in the CQC assessment."),
    ("Adult social care provision in Northumberland has been rated as ‘good’ by the Care Quality Commission.\n\n"
     "Services were rated as 70 out of 100, with all but two areas rated as “good”.\n", "Good", 70,
     "Services were rated as 70 out of 100, with all but two areas rated as “good”."),
    ("The council received an overall rating of 'Good' from the CQC, with a rating of 70%.\nThe CQC rates each of "
     "the 9 quality statements.\n", "Good", 70,
     "The council received an overall rating of 'Good' from the CQC, with a rating of 70%."),
])
def test_overall_ratings_and_points_in_every_layout(text, rating, points, quoted):
    found = cqc.overall_rating(text)
    assert (found.rating, found.points) == (rating, points)
    n, a, b = cqc.points_line(text)
    assert (n, text[a:b]) == (points, quoted)
    assert cqc.points_line("with a 22% rise in residents aged 65 and over") is None


def test_a_rating_of_some_areas_is_not_the_overall_rating():
    # "rated as “Good” in four out of nine areas" rates areas; the council's rating is the "overall rating band"
    text = ("The CQC assessment took place in June 2025. The council was rated as “Good” in four out of nine areas "
            "assessed, with “evidence of some shortfalls” in five areas.\n\nThe council received the highest possible "
            "score within an overall rating band of “Requires Improvement”.\n")
    found = cqc.overall_rating(text)
    assert found.rating == "Requires improvement" and text[found.start:found.end].startswith("The council received")
    assert cqc.overall_rating("The council was rated as “Good” in four out of nine areas assessed.") is None


def test_a_rating_in_minutes_is_the_authority_rating_not_a_criterion_rating():
    text = ("- The Local Authority rating had been\n‘Requires improvement’.\n- Some criteria in the assessment had "
            "been rated ‘Good’ including Partnerships\nand Communities.\n")
    found = cqc.overall_rating(text)
    assert found.rating == "Requires improvement"
    assert text[found.start:found.end].startswith("- The Local Authority rating had been")


def test_a_rating_in_running_text_is_quoted_as_its_sentence():
    text = ("Intro line.\nThe Care Quality Commission (CQC), has rated Northshire Council as good, in how well "
            "they meet their duties. " + "More words follow here. " * 20 + "\n")
    found = cqc.overall_rating(text)
    assert text[found.start:found.end] == ("The Care Quality Commission (CQC), has rated Northshire Council as good, "
                                           "in how well they meet their duties.")
    assert found.prose


@pytest.mark.parametrize("text, rating", [
    # a long name between the services and their verdict, on one line
    ("Adult social care provided by the Royal Borough of Wessex and Vale requires improvement, according to the "
     "health watchdog.\nThe overall CQC grade was just one point away from a rating of 'Good'.\n",
     "Requires improvement"),
    # a headline's quoted verdict
    ("Adult care services 'inadequate', council told\n\nA council has admitted it must do better.\n", "Inadequate"),
    # "given an overall rating of", before areas rated otherwise
    ("What the Care Quality Commission said\n\nQuillham City Council was given an overall rating of “Requires "
     "Improvement”, with a score of 50%.\n\n2 areas were rated good -\n\n  • Safeguarding\n", "Requires improvement"),
    ("The council's 2 areas were rated good.\n", None),
    # a list of the ratings a council may receive is no rating of its own
    ("Councils will receive an overall rating, the ratings can result in the Adult Social Care services being "
     "deemed :\nOutstanding\nThe service is performing exceptionally well\n\nGood\nThe service is performing "
     "well\n\nRequires improvement\nThe service is not performing as well as it should\n", None),
])
def test_ratings_told_in_news_headlines_and_long_names(text, rating):
    found = cqc.overall_rating(text)
    assert (found.rating if found else None) == rating


def test_page_furniture_is_not_the_title():
    assert cqc.title_line("Toggle menu\n\n# Adult Social Care Winter Plan\nText") is not None
    text = "Toggle menu\n\n# Adult Social Care Winter Plan\nText"
    a, b = cqc.title_line(text)
    assert text[a:b] == "Adult Social Care Winter Plan"
    text = "Decision\nWinter Plan/Hospital Discharge\n"
    a, b = cqc.title_line(text)
    assert text[a:b] == "Winter Plan/Hospital Discharge"
    for control in ("Toggle mobile menu visibility", "Recently Viewed", "Close Remove All", "My Account"):
        assert cqc.is_chrome(control), control
    assert not cqc.is_chrome("Dudley Skyline") and not cqc.is_chrome("All") and not cqc.is_chrome("Home care")
    text = "Recently Viewed\n\nClose Remove All\n\nDudley Council the historic capital\nText"
    a, b = cqc.title_line(text)
    assert text[a:b] == "Dudley Council the historic capital"
    assert cqc.is_stamp("Published: 17 May 2024 Page last updated: 17 May 2024")
    assert not cqc.is_chrome("Published: 1 May")  # a date stamp is content (it answers "when was it published?")
    # a meeting-summary site's controls, and a page's address, are never its title (the address is content)
    text = ("Subscribe to updates\n\nChat with this meeting\n\nSubscribe to chat\nAI Generated\n\n"
            "URL: https://democracy.quillham.gov.uk/ieDecisionDetails.aspx?ID=997\nPeople Committee - 10 June 2025\n")
    a, b = cqc.title_line(text)
    assert text[a:b] == "People Committee - 10 June 2025"
    assert cqc.is_stamp("URL: https://democracy.quillham.gov.uk/ieDecisionDetails.aspx?ID=997")
    assert not cqc.is_chrome("URL: https://democracy.quillham.gov.uk/ieDecisionDetails.aspx?ID=997")


def test_subscription_notices_promotions_and_a_saved_pages_stamp_are_not_the_title():
    for notice in ("You'll receive weekly summaries about Quillham Council every week.",
                   "If you have any requests or comments please let us know at help@example.org.",
                   "Subscribe to our professional plan to ask questions about this meeting.",
                   "Sign up to our daily newsletter Sign up Thank you for signing up!",
                   "Watch more of our videos on ShotsTV.com", "Advertisement Hide Ad"):
        assert cqc.is_chrome(notice), notice
    assert not cqc.is_chrome("You'll receive a letter about your assessment within two weeks.")
    assert cqc.is_stamp("Quillham Council, 27 October 2023 00:00")
    for text, title in [
        # a meeting's heading is its title, not a dateline; a sample question in quotation marks is not
        ("Subscribe to updates\nYou'll receive weekly summaries about Quillham Council every week.\n"
         "“Will the annual report be endorsed?”\nCabinet - Wednesday, 15th October, 2025 6.30 pm\nSummary\n",
         "Cabinet - Wednesday, 15th October, 2025 6.30 pm"),
        # a saved page's "date 2025-09-17" stamp opens its first line: the title is what follows, and a line going
        # on in lower case from furniture is furniture too
        (" date 2025-09-17 Quillham Council was a hair's breadth from good, a meeting heard.\n\nMore text.\n",
         "Quillham Council was a hair's breadth from good, a meeting heard."),
        (" date 2025-01-28 Watch more of our videos on ShotsTV.com\n\nand on Freeview 262\n\nCare rated good.\n",
         "Care rated good."),
    ]:
        a, b = cqc.title_line(text)
        assert text[a:b] == title


def test_a_first_line_cut_mid_sentence_is_not_the_title_the_sentence_it_opens_is():
    text = ("The Strategic Director for Social Care &\nEducation submitted a report and gave a presentation to the\n"
            "Commission on the outcome of the CQC assessment\nof Adult Social Care.\n- The rating had been\n")
    a, b = cqc.title_line(text)
    assert text[a:b].endswith("Commission on the outcome of the CQC assessment")  # three lines at most
    assert cqc.ends_mid_sentence("gave a presentation to the") and not cqc.ends_mid_sentence("Winter Plan")


def test_points_told_as_a_percentage_beside_a_rating_and_wrapped_sentences():
    text = ("Dawood introduced the report noting the following:\n- The Local Authority rating had been\n"
            "‘Requires improvement’.\n- Ratings were scored in terms of\npercentages.\n"
            "- Quillham had scored 56% which was\nhigher than some neighbouring Local Authorities. Derbyshire County\n"
            "Council scored 67% and their strengths might be a source of\nlearning.\n")
    rating = cqc.overall_rating(text)
    assert rating.rating == "Requires improvement" and rating.points == 56
    points, a, b = cqc.points_line(text)
    assert text[a:b] == "- Quillham had scored 56% which was\nhigher than some neighbouring Local Authorities."
    assert cqc.overall_rating("Carers scored 85% for satisfaction.") is None  # no rating: no points either
    assert cqc.points_line("rated Outstanding with a score of 81%.")[0] == 81


@pytest.mark.parametrize("text,rating,points", [
    ("Blackpool Council is improving its services after inspectors rated the provision ‘inadequate’.", "Inadequate",
     None),
    ("The Care Quality Commission (CQC) – the independent regulator – has praised Quillham Borough Council, rating "
     "the adult social care the Council provides as ‘Good’", "Good", None),
    ("Quillham adult social care services ‘require improvement’\nThe CQC gave the council a grade of 62 out of 100.",
     "Requires improvement", 62),
    ("Quillham Council’s adult social care services were awarded Requires Improvement, with a score of 62.",
     "Requires improvement", 62),
    ("The Care Quality Commission (CQC) rated the authority ‘good’ after an inspection, with an overall score of 81. "
     "The only local authorities to be awarded an outstanding rating so far are Camden and Kensington.", "Good", 81),
    ("Adult social care in Quillham is rated as requiring improvement according to the latest review of adult "
     "social care from the Care Quality Commission (CQC).", "Requires improvement", None),
])
def test_ratings_told_in_news(text, rating, points):
    found = cqc.overall_rating(text)
    assert (found.rating, found.points) == (rating, points)


def test_news_wording_is_not_a_rating_of_the_council():
    assert cqc.overall_rating("85% of care homes are rated good or outstanding by the CQC.") is None
    # a provider's rating is no council's
    assert cqc.overall_rating("It was seen that Quillham now had a residential home that had achieved an "
                              "outstanding rating by CQC.") is None
    # nor one the council missed ("came very close to achieving a good rating", "would have been rated good")
    assert cqc.overall_rating("“Quillham came very close to achieving a good rating, which was partly due to its "
                              "strong focus on working with local communities.”") is None
    assert cqc.overall_rating("She said: “If we’d have achieved 63 we would have been rated good.”") is None
    # the same rating where the sentence says who rated it, over a headline that does not
    told = ("News\n\nAdult social care is rated Good\n\nQuillham Council is delighted that our adult social care "
            "services have been rated Good by the Care Quality Commission (CQC), the independent regulator.\n")
    found = cqc.overall_rating(told)
    assert found.rating == "Good" and told[found.start:found.end].startswith("Quillham Council is delighted")
    # nor one under a heading about providers ("... where provision was rated as ‘Inadequate’")
    providers = ("Working with providers\n\nDuring the last 12 months the ratings of Quillham's care services have "
                 "not changed significantly.\n\nThe Quality Assurance Team worked with operational colleagues to "
                 "ensure the safety of individuals in receipt of support, including where provision was rated as "
                 "‘Inadequate’ or ‘Requires Improvement’.\n")
    assert cqc.overall_rating(providers) is None
    assert cqc.overall_rating(providers.replace("Working with providers", "Our assessment")) is not None
    # some areas rated good are no overall rating; CQC's words for a score concluded of the service are
    areas = ("The watchdog highlighted many areas of good practice and rated the service good in 'care provision, "
             "integration and continuity', 'safeguarding' and 'partnerships and communities'.")
    assert cqc.overall_rating(areas) is None
    concluded = ("In the report published today, the CQC concluded that ‘evidence shows a good standard’ for the "
                 "council’s adult social care service.")
    found = cqc.overall_rating(f"{concluded}\n\n{areas}")
    assert found.rating == "Good" and f"{concluded}\n\n{areas}"[found.start:found.end] == concluded
    assert cqc.overall_rating("Inspectors found areas that require improvement in safeguarding.") is None
    # CQC's own press release sentence wins over its headline's wording
    text = ("CQC rates Quillham Council’s adult social care provision as outstanding\n\n"
            "The Care Quality Commission (CQC), has rated Quillham Council as outstanding, in how well they meet "
            "their duties.")
    found = cqc.overall_rating(text)
    assert text[found.start:found.end].startswith("The Care Quality Commission (CQC), has rated")


@pytest.mark.parametrize("text,opens", [
    ("Quillham: local authority assessment\nDownloads\nSafeguarding\nScore: 2\n2 - Evidence shows some shortfalls\n",
     "Safeguarding\nScore: 2"),
    ("Quillham: local authority assessment\n\nSafeguarding\n\nScore: 2\n\n2 - Evidence shows some shortfalls\n",
     "Safeguarding\n\nScore: 2"),
    # the line above names another statement, or none, or sits a paragraph away: the score line alone
    ("Quillham: local authority assessment\nAssessing needs\nScore: 2\n2 - Evidence shows some shortfalls\n",
     "Score: 2"),
    ("Quillham: local authority assessment\nDownloads\nScore: 2\n2 - Evidence shows some shortfalls\n", "Score: 2"),
    ("Safeguarding\n\n\nScore: 2\n2 - Evidence shows some shortfalls\n", "Score: 2"),
])
def test_a_score_is_quoted_with_the_heading_naming_its_statement_right_above_it(text, opens):
    from assistant.metadata import Metadata
    from assistant.scores import Held, score_span

    start = text.index("Score: 2")
    h = Held("q.txt", Metadata(), "Safeguarding", 2, None, start, start + len("Score: 2"), True)
    a, b = score_span(text, h)
    assert text[a:b].startswith(opens) and text[a:b].endswith("2 - Evidence shows some shortfalls")

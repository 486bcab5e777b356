"""Which authorities a question means: by name (possessives, lower case, typos), councils no report covers, places
the reports mention, and descriptions by kind, score, rating, document or a fact only one report states."""

from __future__ import annotations

import pytest

from assistant.authorities import Catalog, core_name
from assistant.councils import most_mentioned
from assistant.question import understand

DERBY, CAMDEN, GLOS, HERTS = ("Derbyshire County Council", "London Borough of Camden", "Gloucestershire County Council",
                              "Hertfordshire County Council")
CQC = "CQC assessment"
REPORTS = {
    "a.txt": {"authority": DERBY, "kind": CQC, "quality_statement": "Safe pathways, systems and transitions",
              "score": 3, "title": "Derbyshire County Council: local authority assessment"},
    "b.txt": {"authority": CAMDEN, "kind": CQC, "quality_statement": "Safe pathways, systems and transitions",
              "score": 4, "overall_rating": "Outstanding"},
    "c.txt": {"authority": DERBY, "kind": "council plan", "title": "Derbyshire County Council: Winter Plan 2020-21"},
    "d.txt": {"authority": GLOS, "kind": CQC, "quality_statement": "Safeguarding", "score": 2},
    "e.txt": {"authority": HERTS, "kind": CQC, "overall_rating": "Good",
              "scores": [{"statement": "Safeguarding", "score": 3}, {"statement": "Assessing needs", "score": 3}]},
    "f.txt": {"authority": "Redcar and Cleveland Borough Council", "kind": CQC},
    "g.txt": {"authority": "Stockton-on-Tees Borough Council", "kind": "committee minutes"},
}
CATALOG = Catalog.of(REPORTS)


def refs(q, **kw):
    return [(q[r.start:r.end], r.authorities, r.how, r.unknown) for r in CATALOG.references(q, **kw)]


@pytest.mark.parametrize("q,found", [
    ("What did Derbyshire's assessment say?", [("Derbyshire's", (DERBY,), "name", None)]),
    ("how does camden handle transitions", [("camden", (CAMDEN,), "name", None)]),
    ("wat did camdn score", [("camdn", (CAMDEN,), "typo", None)]),
    ("gloucestershre safegaurding", [("gloucestershre", (GLOS,), "typo", None)]),
    ("What overall rating did CQC give Redcar and Cleveland?",
     [("Redcar and Cleveland", ("Redcar and Cleveland Borough Council",), "name", None)]),
    ("Stockton's minutes", [("Stockton's", ("Stockton-on-Tees Borough Council",), "name", None)]),
    # "&" for "and", and a council of several words none of whose words is read alone
    ("how many errors did Redcar & Cleveland find?",
     [("Redcar & Cleveland", ("Redcar and Cleveland Borough Council",), "name", None)]),
    ("Bath & North East Somerset's rating",
     [("Bath & North East Somerset's", (), "unknown", "Bath and North East Somerset Council")]),
])
def test_authorities_by_name(q, found):
    assert refs(q) == found


def test_a_county_written_short_names_it():
    catalog = Catalog.of({"w.txt": {"authority": "West Northamptonshire Council", "kind": "council report"},
                          "h.txt": {"authority": HERTS, "kind": CQC}})
    found = [(r.authorities, r.how, r.unknown) for r in catalog.references("When did CQC notify West Northants?")]
    assert found == [(("West Northamptonshire Council",), "name", None)]
    assert [r.authorities for r in catalog.references("what did Herts score?")] == [(HERTS,)]
    assert [r.unknown for r in catalog.references("Notts rating")] == ["Nottinghamshire County Council"]


def test_a_misspelt_name_is_the_nearest_authority_and_directions_name_none():
    catalog = Catalog.of({"h.txt": {"authority": "Herefordshire Council", "kind": "council report"},
                          "x.txt": {"authority": HERTS, "kind": CQC},
                          "n.txt": {"authority": "North Somerset Council", "kind": CQC}})
    assert [r.authorities for r in catalog.references("what did herefordshre council do?")] == \
        [("Herefordshire Council",)]
    assert [r.authorities for r in catalog.references("hertfordshre score")] == [(HERTS,)]
    # "North West London" is no North Somerset ("North" is no council's short name)
    assert not any(r.authorities for r in catalog.references("had the rest of North West London been inspected?"))


def test_a_covered_authority_by_its_initials():
    catalog = Catalog.of({"b.txt": {"authority": "Bath and North East Somerset Council", "kind": "council report"},
                          "w.txt": {"authority": "Royal Borough of Windsor and Maidenhead", "kind": "council report"},
                          "n.txt": {"authority": "West Northamptonshire Council", "kind": "council report"},
                          "h.txt": {"authority": "Hammersmith and Fulham Council", "kind": "council report"}})
    for q, who in (("when did cqc inspect banes?", "Bath and North East Somerset Council"),
                   ("RBWM rating", "Royal Borough of Windsor and Maidenhead"),
                   ("what did WNC get?", "West Northamptonshire Council"),
                   ("H&F - how many of the nine areas had shortfalls?", "Hammersmith and Fulham Council"),
                   ("did B&NES ask for a review?", "Bath and North East Somerset Council"),
                   ("what had H&F's leaders started doing?", "Hammersmith and Fulham Council")):
        assert [r.authorities for r in catalog.references(q)] == [(who,)], q
    assert catalog.references("wnc rating") == []  # three letters only in capitals
    assert catalog.references("what does h&f mean?") == []  # initials joined by "&" only in capitals


def test_a_misspelt_word_of_a_longer_name_names_that_authority_not_a_shorter_one():
    catalog = Catalog.of({"n.txt": {"authority": "North Somerset Council", "kind": CQC},
                          "s.txt": {"authority": "Somerset Council", "kind": "council report"}})
    found = [(r.authorities, r.how) for r in catalog.references("did north somserset get a 2 for partnerships?")]
    assert found == [(("North Somerset Council",), "typo")]
    assert [r.authorities for r in catalog.references("what did somserset say?")] == []  # either: left unread
    assert [r.authorities for r in catalog.references("what did Somerset say?")] == [("Somerset Council",)]


def test_councils_no_report_covers_are_named_as_such_and_shadow_shorter_names():
    assert refs("What did Manchester score?") == [("Manchester", (), "unknown", "Manchester City Council")]
    assert refs("Derbyshire Dales District Council winter plan") == [
        ("Derbyshire Dales District Council", (), "unknown", "Derbyshire Dales District Council")]
    # the reports mention Chesterfield as a place: a place, unless asked about as a council
    assert refs("flooding in Chesterfield", mentioned=lambda name: True)[0][2] == "place"
    assert refs("What did Chesterfield Borough Council score?", mentioned=lambda name: True)[0][2] == "unknown"
    assert refs("is reading good for staff?") == []  # an ordinary word, not Reading Borough Council


@pytest.mark.parametrize("q,authorities,how", [
    ("the London borough", (CAMDEN,), "kind"),
    ("the better-scoring council on safe pathways", (CAMDEN,), "score"),
    ("the council that scored 2 for safeguarding", (GLOS,), "score"),
    ("the one rated outstanding", (CAMDEN,), "rating"),
    ("the council with the winter plan", (DERBY,), "document"),
    ("the county council rated good overall", (HERTS,), "rating"),
    ("the county council that scored 3 for safe pathways", (DERBY,), "score"),
])
def test_authorities_by_description(q, authorities, how):
    (found,) = CATALOG.references(q)
    assert (found.authorities, found.how) == (authorities, how)


@pytest.mark.parametrize("q", [
    "In the borough CQC rated outstanding, had the findings of the pilot come out?",
    "In the borough CQC rated outstanding, tell me about the pilot",
    "For the borough CQC rated outstanding, will the pilot continue?",
    "For the borough CQC rated outstanding, in what areas was innovation highlighted?",
    "What rating did the borough CQC rated outstanding end up with?",
    "What percentage did the borough CQC rated outstanding get overall from the CQC?",
    # another noun's phrase before it is what is asked about, not the description's start
    "What did the chief inspector say about the leadership at the borough CQC rated outstanding?",
    # a dash or a colon between the description and the question
    "the borough CQC rated outstanding – where can I read its full report?",
    "the borough CQC rated outstanding: where can I read its full report?",
    "the borough CQC rated outstanding - where can I read its full report?",
])
def test_a_description_ends_where_the_question_begins(q):
    (found,) = CATALOG.references(q)
    assert q[found.start:found.end] == "the borough CQC rated outstanding"
    assert found.authorities == (CAMDEN,)


def test_a_description_by_what_the_cqc_judged_ends_before_the_question():
    catalog = Catalog.of({"l.txt": {"authority": "London Borough of Lambeth", "kind": "press release"},
                          "c.txt": {"authority": CAMDEN, "kind": CQC}})
    q = ("In the London borough the CQC judged to be performing better than the London average, who is the "
         "executive director?")
    (found,) = catalog.references(q, search=lambda text: {"London Borough of Lambeth": 1.6, CAMDEN: 0.3})
    assert q[found.start:found.end] == ("the London borough the CQC judged to be performing better than the London "
                                        "average")
    assert found.authorities == ("London Borough of Lambeth",)
    # so "judged ... better" is the description's, and the question asks who, not whose score was higher
    u = understand(q, catalog, search=lambda text: {"London Borough of Lambeth": 1.6, CAMDEN: 0.3})
    assert [p.intent for p in u.parts] == ["passages"] and u.authorities == ("London Borough of Lambeth",)


def test_two_words_and_a_figure_describe_an_authority_by_what_its_report_states():
    catalog = Catalog.of({"s.txt": {"authority": "Stoke-on-Trent City Council", "kind": "council report"},
                          "b.txt": {"authority": "Bristol City Council", "kind": CQC}})
    q = "What overall rating did the city council with 18 community lounges receive?"
    (found,) = catalog.references(q, search=lambda text: {"Stoke-on-Trent City Council": 1.4,
                                                          "Bristol City Council": 0.2})
    assert q[found.start:found.end] == "the city council with 18 community lounges"
    assert found.authorities == ("Stoke-on-Trent City Council",) and found.how == "content"


def test_a_description_may_say_what_an_authority_ended_up_as():
    catalog = Catalog.of({"n.txt": {"authority": "North Yorkshire Council", "kind": "press release"},
                          "c.txt": {"authority": CAMDEN, "kind": CQC}})
    q = "The authority that ended up joint third in the country - did the CQC call it good?"
    (found,) = catalog.references(q, search=lambda text: {"North Yorkshire Council": 1.5, CAMDEN: 0.1})
    assert q[found.start:found.end] == "The authority that ended up joint third in the country"
    assert found.authorities == ("North Yorkshire Council",)


def test_a_yes_no_question_asks_the_rating_after_a_description():
    catalog = Catalog.of({"n.txt": {"authority": "Northumberland County Council", "kind": "council report"},
                          "c.txt": {"authority": CAMDEN, "kind": CQC, "overall_rating": "Outstanding"}})
    q = "Was the county council whose Director of Adult Social Services is Neil Bradley rated outstanding by the CQC?"
    (found,) = catalog.references(q, search=lambda text: {"Northumberland County Council": 1.5, CAMDEN: 0.2})
    assert q[found.start:found.end] == ("the county council whose Director of Adult Social Services is Neil "
                                        "Bradley")
    assert found.authorities == ("Northumberland County Council",)
    # a description by its rating stays one ("the council rated outstanding")
    (rated,) = catalog.references("What did the council rated outstanding score?")
    assert rated.authorities == (CAMDEN,) and rated.how == "rating"


def test_a_description_by_overall_points():
    catalog = Catalog.of({"s.txt": {"authority": "Staffordshire County Council", "kind": CQC, "overall_rating": "Good",
                                    "overall_points": 75},
                          "h.txt": {"authority": HERTS, "kind": CQC, "overall_rating": "Good", "overall_points": 78}})
    (found,) = catalog.references("The county council that scored 75% overall - what did it get for assessing needs?")
    assert found.authorities == ("Staffordshire County Council",) and found.how == "rating"
    (found,) = catalog.references("the council that got 78 points")
    assert found.authorities == (HERTS,)
    # a percentage that is not points out of 100 describes by a fact, not by points
    assert all(r.how != "rating" for r in catalog.references("the council with a 22% rise in residents aged 65+"))
    # points no report's metadata holds: the authority whose report states them ("Leicester had scored 56%")
    minutes = Catalog.of({"l.txt": {"authority": "Leicester City Council", "kind": "committee minutes"},
                          "s.txt": {"authority": "Staffordshire County Council", "kind": CQC, "overall_points": 75}})
    weights = {"Leicester City Council": 1.4, "Staffordshire County Council": 0.3}
    (found,) = minutes.references("In the city council that scored 56%, whose strengths were a source of learning?",
                                  search=lambda text: weights)
    assert found.authorities == ("Leicester City Council",) and found.how == "rating"
    # a quality statement's percentage is no overall score: the report stating it tells whose it is
    stated = {"Leicester City Council": 1.5, "Staffordshire County Council": 0.2}
    (found,) = minutes.references("For the council that got 75% for safeguarding, what was highlighted?",
                                  search=lambda text: stated)
    assert found.authorities == ("Leicester City Council",)
    # a passage that only talks alike (no passage states the figure) describes nobody
    (alike,) = minutes.references("the council that scored 67% overall", search=lambda text: {
        "Staffordshire County Council": 0.6})
    assert alike.authorities == ()


def test_a_description_by_a_score_no_score_line_holds_is_the_authority_whose_report_tells_it():
    catalog = Catalog.of({"e.txt": {"authority": "East Riding of Yorkshire Council", "kind": "council report"},
                          "n.txt": {"authority": "North Yorkshire Council", "kind": "council report"},
                          "d.txt": {"authority": DERBY, "kind": CQC,
                                    "scores": [{"statement": "Safeguarding", "score": 3}]}})
    q = "At the council that got one out of four in eight of its nine areas, what did the chief inspector say?"
    told = {"East Riding of Yorkshire Council": 0.9, "North Yorkshire Council": 0.5}
    (found,) = catalog.references(q, search=lambda text: told)
    assert found.authorities == ("East Riding of Yorkshire Council",) and found.how == "score"
    # two reports telling it alike: neither is the one described
    (alike,) = catalog.references(q, search=lambda text: {"East Riding of Yorkshire Council": 0.9,
                                                          "North Yorkshire Council": 0.88})
    assert alike.authorities == ()
    # a score line that holds it still decides, whatever the passages say
    (held,) = catalog.references("the council that got a 3 for safeguarding", search=lambda text: told)
    assert held.authorities == (DERBY,)


def test_a_description_by_a_fact_is_the_authority_whose_report_states_it():
    def search(text):
        assert "triage" in text
        return {GLOS: 0.18, DERBY: 0.10}

    (found,) = CATALOG.references("In the council where a triage hub answers referrals, what happens next?",
                                  search=search)
    assert found.authorities == (GLOS,) and found.how == "content"
    (tied,) = CATALOG.references("the council where a triage hub answers referrals",
                                 search=lambda text: {GLOS: 0.18, DERBY: 0.179})
    assert tied.how == "ambiguous" and set(tied.authorities) == {GLOS, DERBY}


def test_a_kind_of_council_named_with_its_noun_goes_on_to_the_description():
    # "the unitary council whose ...": "unitary council" is one head (it had been "the unitary" alone, every unitary
    # council), and the clause after it describes which one
    redcar, stockton = "Redcar and Cleveland Borough Council", "Stockton-on-Tees Borough Council"

    def search(text):
        assert "Newbury" in text and "Thatcham" in text
        return {redcar: 0.3, stockton: 0.05}

    (found,) = CATALOG.references("The unitary council whose main towns are Newbury, Hungerford and Thatcham - how "
                                  "many out of four did it get?", search=search)
    assert found.authorities == (redcar,) and found.how == "content"


def test_a_figure_only_one_report_states_names_its_authority_whatever_the_question_calls_it():
    # "the borough" said of a county council: the figure only its report states tells whose it is
    def search(text):
        assert "41.2%" in text
        return {GLOS: 1.18, CAMDEN: 0.4}  # (a passage stating every figure of the description scores 1 more)

    (found,) = CATALOG.references("The borough where 41.2% of households are classed as deprived - what was its "
                                  "rating?", search=search)
    assert found.authorities == (GLOS,) and found.how == "content"


def test_a_name_inside_a_description_describes():
    found = CATALOG.references("the council whose AMHPs work at Chesterfield Royal with Derby hospitals",
                               search=lambda text: {DERBY: 1.0}, mentioned=lambda name: True)
    assert [(r.how, r.authorities) for r in found] == [("content", (DERBY,))]


def test_core_names_and_the_council_a_text_names_most():
    assert core_name("London Borough of Camden") == "Camden"
    assert core_name("Redcar and Cleveland Borough Council") == "Redcar and Cleveland"
    assert core_name("City of Wolverhampton Council") == "Wolverhampton"
    assert core_name("Council of the Isles of Scilly") == "Isles of Scilly"
    scilly = Catalog.of({"s.txt": {"authority": "Council of the Isles of Scilly", "kind": "council report"}})
    assert [(r.authorities, r.how) for r in scilly.references("What did the Isles of Scilly report say?")] == [
        (("Council of the Isles of Scilly",), "name")]
    assert most_mentioned("Sheffield Adult Social Care's winter plan. In Sheffield, discharges...") == \
        "Sheffield City Council"
    assert most_mentioned("Care in Sheffield and in Leeds.") is None
    # the only council a text names, once; a name that is also a word only capitalised mid-sentence; a name in
    # capitals, and not also the shorter name inside it
    assert most_mentioned("Thanks were extended to officers for getting Bury to a position of strength.") == \
        "Bury Metropolitan Borough Council"
    assert most_mentioned("Bury the lead. We bury nothing.") is None
    assert most_mentioned("The purpose of Brent’s Local Account is to communicate priorities.") == \
        "London Borough of Brent"
    assert most_mentioned("CHESHIRE West and Chester Adult Social Care is delivering services.") == \
        "Cheshire West and Chester Council"
    assert most_mentioned("In Sheffield. In Leeds. In Leeds. In Sheffield.") is None  # not clearly one


def test_a_description_by_a_participle():
    found = CATALOG.references("What will the published report for the council still awaiting its January 2025 "
                               "inspection result include?", search=lambda text: {GLOS: 1.0, DERBY: 0.2})
    assert [(r.how, r.authorities) for r in found] == [("content", (GLOS,))]
    assert CATALOG.references("what happened at the council meeting on 5 May?",
                              search=lambda text: {GLOS: 1.0}) == []  # too few words to describe anyone


def test_a_full_name_before_a_word_in_ing_is_the_name_not_a_description():
    # "the Cheshire East Council building based services decision": "building" is no participle describing
    catalog = Catalog.of({"e.txt": {"authority": "Cheshire East Council", "kind": "committee minutes"},
                          "w.txt": {"authority": "Cheshire West and Chester Council", "kind": "council report"}})
    q = "When was the Cheshire East Council building based services decision record published?"
    (found,) = catalog.references(q, search=lambda text: {"Cheshire East Council": 1.2})
    assert (q[found.start:found.end], found.authorities, found.how) == (
        "Cheshire East Council", ("Cheshire East Council",), "name")
    # a council no report covers, too: "the Worcester City Council winter plan" names it (no city council described)
    (unknown,) = catalog.references("Do we have the Worcester City Council winter plan?")
    assert (unknown.how, unknown.unknown) == ("unknown", "Worcester City Council")


def test_a_council_name_that_is_also_a_word_names_a_covered_council_in_lower_case_unless_an_everyday_word():
    catalog = Catalog.of({"m.txt": {"authority": "Merton Council", "kind": CQC},
                          "r.txt": {"authority": "Reading Borough Council", "kind": CQC}})
    # "merton" is a name first: the council the reports cover, however it is typed
    assert [r.authorities for r in catalog.references("was merton's cqc result any good?")] == [("Merton Council",)]
    # unless the reports use it as an ordinary word
    assert catalog.references("was merton's cqc result any good?", common=frozenset({"merton"})) == []
    # "reading" is an everyday word: a council only written as a name
    assert catalog.references("is reading the report worth it?") == []
    assert [r.authorities for r in catalog.references("what did Reading score?")] == [("Reading Borough Council",)]
    # a council no report covers stays unread in lower case ("sutton" the surname, the place)
    assert refs("did sutton get a good rating?") == []


def test_ratings_of_a_councils_providers_do_not_describe_the_council_by_its_rating():
    # "whose care market had 103 Good-rated providers": a fact its report states, not a council rated Good
    catalog = Catalog.of({"c.txt": {"authority": "Coventry City Council", "kind": "council report"},
                          "g.txt": {"authority": "Gloucestershire County Council", "kind": CQC,
                                    "overall_rating": "Good"}})
    search = lambda text: {"Coventry City Council": 1.5, "Gloucestershire County Council": 0.2}  # noqa: E731
    for q in ("For the council whose care market had 103 Good-rated providers, how do its figures compare?",
              "For the council whose care homes were mostly rated good, how do its figures compare?"):
        (found,) = catalog.references(q, search=search)
        assert found.authorities == ("Coventry City Council",), q
    (rated,) = catalog.references("For the council rated good overall, how do its figures compare?", search=search)
    assert rated.authorities == ("Gloucestershire County Council",)

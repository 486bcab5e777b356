"""CQC's vocabulary for local authority assessments, in one place: the nine quality statements and the other
ways reports and people write them, the four themes, scores and their descriptors, overall ratings, the lines
reports print them on (statement pages, pilots, overall summaries, press releases), and the page furniture
around them. Metadata detection, parsing, question reading and score answers all read it from here, so a
layout learnt once is known everywhere.

    >>> statement_of_line("  • Safe systems, pathways and transitions")
    'Safe pathways, systems and transitions'
    >>> score_items("  1. how the local authority works with people – 2\\n  7. safeguarding – 3")[1].score
    3
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

# CQC's nine quality statements for local authority assessments, in CQC's order (press releases and summary
# pages list them in this order, numbered 1-9).
QUALITY_STATEMENTS = (
    "Assessing needs",
    "Supporting people to lead healthier lives",
    "Equity in experiences and outcomes",
    "Care provision, integration and continuity",
    "Partnerships and communities",
    "Safe pathways, systems and transitions",
    "Safeguarding",
    "Governance, management and sustainability",
    "Learning, improvement and innovation",
)

# CQC's four themes and the quality statements in each.
THEMES = {
    "Working with people": QUALITY_STATEMENTS[0:3],
    "Providing support": QUALITY_STATEMENTS[3:5],
    "How the local authority ensures safety within the system": QUALITY_STATEMENTS[5:7],
    "Leadership": QUALITY_STATEMENTS[7:9],
}
THEME_OF = {statement: theme for theme, statements in THEMES.items() for statement in statements}

# CQC's meaning of each score, as the reports print it after "N - ".
SCORE_DESCRIPTORS = {
    1: "Evidence shows significant shortfalls",
    2: "Evidence shows some shortfalls",
    3: "Evidence shows a good standard",
    4: "Evidence shows an exceptional standard",
}
# The words people use for each score ("a good standard", "exceptional").
SCORE_WORDS = {1: "significant shortfalls", 2: "some shortfalls", 3: "good", 4: "exceptional"}
# The scale's words said in a sentence ("with one indicating significant shortfalls", "an exceptional standard")
SCALE_WORDS = re.compile(r"\b(?:significant|some) shortfalls\b|\b(?:a )?(?:good|exceptional) standards?\b", re.I)
OVERALL_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")  # best first
# An overall rating's word in a question or a sentence ("rated inadequate", "services ‘require improvement’")
GRADE_WORD = re.compile(r"\b(?:outstanding|good|requires?\s+improvement|inadequate)\b", re.I)
# A result asked as a percentage, or as points out of 100
PERCENT_ASKED = re.compile(r"\bper ?cent|%", re.I)
POINTS_ASKED = re.compile(r"\bpoints?\b|\bout of (?:a )?(?:100|hundred)\b|\bpercent", re.I)
# Which of the assessed areas (quality statements) a question asks for, not how many: "which areas were rated
# good?", "which two of X's quality areas ...?"; an overall rating does not answer it
AREAS_ASKED = re.compile(r"\b(?:which|what)\b(?:(?!\bhow many\b)[^?]){0,40}?\b(?:areas?|quality statements?|"
                         r"categor(?:y|ies)|domains?)\b", re.I)
# ... or how many of them got a score: "in how many of the nine areas was X given the lowest mark?"
AREAS_COUNTED = re.compile(r"\bhow many\b[^?]{0,40}?\b(?:areas?|quality statements?|categor(?:y|ies)|domains?)\b",
                           re.I)


def grade(word: str) -> str:
    """The overall rating a grade word names ("require improvement", "requiring improvement" -> "Requires
    improvement")."""
    said = re.sub(r"\s+", " ", word.lower())
    said = re.sub(r"\brequir(?:e|ing) improvement", "requires improvement", said)
    return next(r for r in OVERALL_RATINGS if r.lower() == said)

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}


@functools.cache
def told_score(value: int) -> re.Pattern[str]:
    """A score out of four told in a sentence's words: its figure or number word, CQC's words for it, or the
    overall rating of the same rank ("scores of two", "some shortfalls", "requiring improvement" for a 2)."""
    word = next(w for w, n in NUMBER_WORDS.items() if n == value)
    rating = OVERALL_RATINGS[4 - value].lower().replace("requires", "requir(?:es|ing)")
    return re.compile(rf"\b(?:{value}|{word})\b|\b{SCORE_WORDS[value]}\b|\b{rating}\b", re.I)

# ------------------------------------------------------------------------------------------ statements

# The words that make a line or a phrase one statement: every set in a statement's list is enough. Words
# are matched by their start ("partnership" matches "partnerships"), after folding case and apostrophes.
_CORE: dict[str, tuple[tuple[str, ...], ...]] = {
    "Assessing needs": (("assessing", "need"), ("assessment", "need"), ("assess", "need")),
    "Supporting people to lead healthier lives": (("healthier", "lives"), ("healthy", "lives")),
    "Equity in experiences and outcomes": (("equity",),),
    "Care provision, integration and continuity": (("care", "provision"), ("integration", "continuity")),
    "Partnerships and communities": (("partnership", "communit"),),
    "Safe pathways, systems and transitions": (("safe", "pathway"), ("pathway", "transition"),
                                               ("safe", "system", "transition")),
    "Safeguarding": (("safeguarding",),),
    "Governance, management and sustainability": (("governance",), ("management", "sustainability")),
    "Learning, improvement and innovation": (("learning", "improvement"), ("improvement", "innovation")),
}
# Words a statement's name may carry besides its core ("care provision ... continuity of care", "assessing
# people's needs", "supporting people to live healthier lives").
_FILLER = {"and", "the", "of", "to", "in", "for", "people", "peoples", "s", "care", "lead", "live", "living",
           "supporting", "support", "experience", "experiences", "outcomes", "integration", "continuity",
           "provision", "communities", "community", "partnership", "partnerships", "systems", "system",
           "pathways", "transitions", "safe", "management", "sustainability", "governance", "improvement",
           "innovation", "learning", "healthier", "lives", "assessing", "needs", "need", "equity", "quality",
           "statement", "safeguarding", "adults", "adult"}
# What may stand before a statement's name on its line: bullets, list numbers, "Quality statement 3:".
_LEAD = re.compile(r"^\s*(?:[•·*\-–]\s*|\d{1,2}[.)]\s*|quality statement(?: \d)?\s*[:.-]?\s*)*", re.I)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower().replace("’", "").replace("'", ""))


def _has(words: list[str], core: tuple[str, ...]) -> bool:
    return all(any(w.startswith(c) for w in words) for c in core)


def statement_of_line(line: str, loose: bool = False) -> str | None:
    """The quality statement a line names, when the line is that name (a heading, a list label), however it
    is written: "Safeguarding", "  • Assessing needs", "6. safe pathways, systems and transitions |",
    "Supporting people to live healthier lives", "Safe systems, pathways and transitions". `loose` also
    accepts a few other words around the name (a list item's label)."""
    text = _LEAD.sub("", line).strip().rstrip(":|").strip()
    words = _words(text)
    if not words or len(words) > 9 or (text.endswith(".") and not loose):
        return None
    for statement, cores in _CORE.items():
        if any(_has(words, core) for core in cores):
            extra = [w for w in words if w not in _FILLER]
            if len(extra) <= (3 if loose else 0):
                return statement
    return None


# How questions name a statement: a phrase, not just a word somewhere ("assessment" and "needs" apart mean
# nothing). Checked in order; the first found wins.
_IN_QUESTION = [
    ("Safeguarding", r"safe\w*guard\w*|safegaurd\w*|safegarding"),
    ("Assessing needs", r"assess\w* (?:of |people'?s? |peoples |people’s )?needs?|needs? assess\w*|assessment of "
                        r"(?:people'?s? |people’s )?needs?"),
    ("Supporting people to lead healthier lives", r"health(?:ier|y) li(?:ves|fe|ving)|(?:lead|live) health"),
    ("Equity in experiences and outcomes", r"equity|equitable"),
    ("Care provision, integration and continuity", r"care provision|integration and continuity|continuity of care"),
    ("Partnerships and communities", r"partnerships? and communit\w*|partnerships?|communities"),
    ("Safe pathways, systems and transitions", r"safe (?:pathways?|systems?)|pathways?,? systems|transitions?"),
    ("Governance, management and sustainability", r"governance|sustainability"),
    ("Learning, improvement and innovation", r"learning,? improvement|innovation"),
]
_IN_QUESTION_RE = [(s, re.compile(r"\b(?:" + p + r")\b", re.I)) for s, p in _IN_QUESTION]


def statement_in(question: str) -> str | None:
    """The quality statement a question names, if any ("safe pathways", "safeguarding", "transitions")."""
    found = statements_in(question)
    return found[0] if found else None


# The words of the statements' names, which a misspelling in a question is read as ("helthier" -> "healthier").
_STATEMENT_WORDS = ("safeguarding", "assessing", "assessment", "healthier", "lives", "equity", "provision",
                    "integration", "continuity", "partnerships", "partnership", "communities", "pathways",
                    "transitions", "governance", "sustainability", "learning", "improvement", "innovation")
# CQC's themes as questions name them: the statements in each
_THEME_IN_QUESTION = [
    (re.compile(r"\bworking with people\b|\bhow the local authority works with people\b", re.I), "Working with people"),
    (re.compile(r"\bproviding support\b", re.I), "Providing support"),
    (re.compile(r"\bensur\w* safety\b|\bsafety within the system\b|\bsafety in the system\b", re.I),
     "How the local authority ensures safety within the system"),
    (re.compile(r"\bleadership\b", re.I), "Leadership"),
]


def statements_in(question: str) -> tuple[str, ...]:
    """Every quality statement a question names, in order: by its phrases, despite a misspelt word
    ("camden helthier lives"), or by its theme ("the Leadership theme": both of its statements)."""
    from .fuzzy import close

    q = question.replace("’", "'")
    found = [(m.start(), s) for s, pattern in _IN_QUESTION_RE if (m := pattern.search(q))]
    if not found:
        words = re.findall(r"[A-Za-z]+", q)
        fixed = " ".join(next((w2 for w2 in _STATEMENT_WORDS if len(w) >= 5 and w.lower()[0] == w2[0]
                               and close(w.lower(), w2)), w) for w in words)
        if fixed != " ".join(words):
            found = [(m.start(), s) for s, pattern in _IN_QUESTION_RE if (m := pattern.search(fixed))]
    for pattern, theme in _THEME_IN_QUESTION:
        m = pattern.search(q)
        if m and not found:
            found = [(m.start() + i, s) for i, s in enumerate(THEMES[theme])]
    return tuple(s for _, s in sorted(found))


# ------------------------------------------------------------------------------------------ score lines

# "Score: 3", "Score 2", "Indicative score: 2", "Score: 3 out of 4", "Score: 3/4", a bullet before any of them.
SCORE_LINE = re.compile(r"^[ \t]*(?:[•·*\-][ \t]*)?(?:Indicative[ \t]+)?Score:?[ \t]*(?P<score>[1-4])"
                        r"(?:[ \t]*(?:/|out of)[ \t]*4)?[ \t]*$", re.M | re.I)
# "Indicative score:" with the number only on the descriptor line below (2023 pilot pages).
BARE_SCORE_LINE = re.compile(r"^[ \t]*(?:Indicative[ \t]+)?Score:?[ \t]*$", re.M | re.I)
# "3 - Evidence shows a good standard"
# A page's key to the scores, one line each: "2 = requires improvement"
LEGEND_LINE = re.compile(r"^[ \t]*(?P<score>[1-4])[ \t]*=[ \t]*(?P<text>[A-Za-z][^\n=]{2,80}?)[ \t]*$", re.M)
DESCRIPTOR_LINE = re.compile(r"^[ \t]*(?P<score>[1-4])[ \t]*[-–][ \t]*(?P<text>Evidence shows [^\n]+?)[ \t]*$", re.M)


@dataclass(frozen=True)
class ScoreItem:
    """One quality statement's score as a report prints it: the cited span runs from the statement's name
    (when it is on the line or the line above) to the score (and its descriptor line, when there is one)."""

    statement: str | None
    score: int
    descriptor: str
    start: int
    end: int
    score_start: int  # the score line alone ("Score: 3"), what older metadata cites
    score_end: int


def _descriptor_after(text: str, end: int, n: int | None) -> re.Match | None:
    """The descriptor line right below `end` (a blank line may sit between), if it is for score `n`."""
    nxt = re.compile(r"[ \t]*\n(?:[ \t]*\n)?").match(text, end)
    if not nxt:
        return None
    m = DESCRIPTOR_LINE.match(text, nxt.end())
    return m if m and (n is None or int(m.group("score")) == n) else None


_LIST_ITEM = re.compile(
    r"^[ \t]*(?:(?P<num>[1-9])[.)]|[-•·*])[ \t]*(?P<label>[^\n]+?)[ \t]*[–-][ \t]*"
    r"(?:(?:indicative[ \t]+)?score[ \t]+of[ \t]+)?(?P<score>[1-4]|one|two|three|four)[ \t]*$", re.M | re.I)
# the same list without numbers or bullets, one statement a paragraph: "Assessing people’s needs - 2" (news); only
# a line whose label names a statement counts
_BARE_ITEM = re.compile(r"^[ \t]*(?P<num>)(?P<label>[A-Z][^\n]{3,90}?)[ \t]+[–-][ \t]+(?P<score>[1-4])[ \t]*$", re.M)
# "1. assessing people’s needs |" then "3 |" on the next line: a table flattened one cell a line.
_TABLE_ITEM = re.compile(r"^[ \t]*(?P<num>[1-9])\.[ \t]*(?P<label>[^\n|]+?)[ \t]*\|[ \t]*\n[ \t]*(?P<score>[1-4])"
                         r"[ \t]*\|?[ \t]*$", re.M)


def score_items(text: str) -> list[ScoreItem]:
    """Every quality statement's score the text prints, in order, in any of CQC's layouts: a statement page
    ("Safeguarding" / "Score: 2" / "2 - Evidence shows some shortfalls"), a pilot ("Indicative score:" /
    "2 - Evidence shows ..."), an overall summary ("• Assessing needs" / "Score: 3" for each statement), a press
    release's numbered list ("1. how the local authority works with people – 2", "- safeguarding – indicative
    score of three") or its table flattened one cell a line. A list numbered 1-9 follows CQC's order, so an
    item named by its theme ("leadership – 3") is still its statement."""
    heads = _statement_heads(text)
    items: list[ScoreItem] = []
    for m in SCORE_LINE.finditer(text):
        n = int(m.group("score"))
        items.append(_item(text, m, n, heads))
    for m in BARE_SCORE_LINE.finditer(text):
        desc = _descriptor_after(text, m.end(), None)
        if desc:
            items.append(_item(text, m, int(desc.group("score")), heads))
    listed = sorted([*_LIST_ITEM.finditer(text), *_TABLE_ITEM.finditer(text),
                     *(m for m in _BARE_ITEM.finditer(text) if statement_of_line(m.group("label"), loose=True))],
                    key=lambda m: m.start())
    if len(listed) >= 3:  # a list of statements' scores, not a stray dash in prose
        for k, m in enumerate(listed):
            n = m.group("score").lower()
            score = NUMBER_WORDS.get(n) or int(n)
            num = m.group("num")
            statement = statement_of_line(m.group("label"), loose=True)
            if len(listed) == 9:  # CQC's list of all nine, in CQC's order: its place is the statement
                statement = QUALITY_STATEMENTS[int(num) - 1 if num else k]
            a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            b = m.end() - (len(m.group(0)) - len(m.group(0).rstrip()))
            items.append(ScoreItem(statement, score, SCORE_DESCRIPTORS[score], a, b, a, b))
    items.sort(key=lambda i: i.start)
    return items


def _statement_heads(text: str) -> list[tuple[int, int, str]]:
    """(start, end, statement) of every line that is a statement's name."""
    out = []
    pos = 0
    for line in text.split("\n"):
        statement = statement_of_line(line)
        if statement:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + len(line.rstrip()), statement))
        pos += len(line) + 1
    return out


def _item(text: str, m: re.Match, n: int, heads: list[tuple[int, int, str]]) -> ScoreItem:
    line = m.group(0)
    start = m.start() + len(line) - len(line.lstrip())
    end = m.start() + len(line.rstrip())
    desc = _descriptor_after(text, end, n)
    descriptor = desc.group("text").strip() if desc else SCORE_DESCRIPTORS[n]
    above = [h for h in heads if h[1] <= start]
    statement = above[-1][2] if above else None
    # a summary page's list item ("• Assessing needs" / "Score: 3", no descriptor): the statement's name is
    # part of the cited passage; a statement page's heading is not (the page is that statement's)
    lead = start
    if not desc and above and not text[above[-1][1]:start].strip():
        lead = above[-1][0]
    tail = desc.end() if desc else end
    return ScoreItem(statement, n, descriptor, lead, tail, start, end)


# ------------------------------------------------------------------------------------------ overall rating

@dataclass(frozen=True)
class Rating:
    """An overall rating as a report states it, and where."""

    rating: str  # one of OVERALL_RATINGS
    start: int
    end: int
    points: int | None = None  # "scored 78 out of 100 overall"
    prose: bool = False  # stated in a sentence of running text ("CQC has rated X as good, in how well ...")
    stated: bool = False  # on a rating line or in CQC's own "has rated X as ..." (news wording is not needed)


_RATING = r"(?P<rating>outstanding|good|requir(?:es|ing) improvement|inadequate)"
_RATING_LINES = [
    re.compile(r"^[ \t]*Overall(?:[ \t]+rating)?:?[ \t]*" + _RATING + r"\b[^\n]*", re.M | re.I),
    re.compile(r"^[ \t]*(?:Indicative[ \t]+)?rating:?[ \t]*" + _RATING + r"[ \t]*$", re.M | re.I),
    # a summary page: "Local authority rating and score" / "• Hertfordshire County Council" / "Good"
    re.compile(r"rating and score[ \t]*\n(?:[ \t]*\n)*[ \t]*(?:[•·*\-][ \t]*)?[^\n]+\n[ \t]*" + _RATING + r"[ \t]*$",
               re.M | re.I),
    # a press release: "has rated Surrey County Council as good", "their indicative requires improvement rating"
    re.compile(r"\bhas rated (?:the )?[A-Z][^.\n]{2,80}? as " + _RATING + r"\b", re.I),
    re.compile(r"\b(?:their|its|an?) (?:indicative )?['‘\"“]?" + _RATING + r"['’\"”]? (?:overall )?rating\b", re.I),
    # minutes and news: "The Local Authority rating had been ‘Requires improvement’", "was rated Outstanding"
    # "was given an overall rating of “Requires Improvement”" (not "2 areas were rated good", not "services that
    # were rated as ‘requires improvement’": some providers, not the council)
    re.compile(r"\b(?:(?:authority|council|overall|cqc)\s+rating\s+(?:had\s+been|has\s+been|was|is)\s+(?:of\s+)?|"
               r"overall\s+rating\s+(?:band\s+)?of\s+|"
               r"(?<!areas )(?<!area )(?<!that )(?<!which )(?:was|were|has\s+been|had\s+been|is|"
               r"(?<!would )(?<!could )(?<!might )(?<!should )have\s+been)\s+rated\s+"
               r"(?:as\s+)?)"
               r"['‘\"“]?" + _RATING +
               r"\b", re.I),
    # news: the regulator or its inspectors rating the council ("inspectors rated the provision ‘inadequate’",
    # "the regulator rated the council as “good”", "CQC rating Good", "has praised X, rating the adult social
    # care the Council provides as ‘Good’"), not care homes rated by it
    re.compile(r"\b(?:CQC|Care Quality Commission|inspectors?|regulator|watchdog)\W+(?:[\w’'-]+\W+){0,12}?"
               r"(?:rated|rates|rate|rating)\s+(?:[\w’'-]+\s+){0,8}?(?:as\s+)?['‘\"“]?" + _RATING + r"\b"
               # (not some areas: "rated the service good in 'care provision, integration and continuity', ...")
               r"(?![’'\"”]?\s+in\s+(?:['‘\"“]|(?:\w+\s+){0,2}(?:areas?|categories|of\s+the)\b))", re.I),
    # CQC's words for a score concluded of the council's service: "the CQC concluded that ‘evidence shows a good
    # standard’ for the council’s adult social care service"
    re.compile(r"\bconclu\w+\W+(?:that\W+)?evidence shows (?:an? )?(?P<std>good|exceptional) standard\b", re.I),
    # the council's services "require improvement" or "were awarded Requires Improvement", "Adult social care
    # provided by the Royal Borough of Windsor and Maidenhead requires improvement" (not "areas that require
    # improvement", not "the only local authorities to be awarded an outstanding rating")
    re.compile(r"\b(?:services?|care|provision)\W+(?:(?!(?:that|which|where|areas?)\b)[\w’'-]+\W+){0,6}?['‘\"“]?"
               r"(?P<rating>requires?\s+improvement)\b", re.I),
    re.compile(r"\b(?:services?|care|provision)[^\w\n]+(?:(?!(?:that|which|where|areas?)\b)[\w’'-]+[^\w\n]+){7,10}?"
               r"['‘\"“]?(?P<rating>requires?\s+improvement)\b", re.I),
    # a headline's quoted verdict: "Adult care services 'inadequate', council told"
    re.compile(r"\b(?:services?|care|provision)\s+['‘\"“]" + _RATING + r"['’\"”]", re.I),
    # "Leeds City Council’s adult social care ... scored a ‘good’ 70 out of 100"
    re.compile(r"\bscored an? ['‘\"“]" + _RATING + r"['’\"”]", re.I),
    re.compile(r"\b(?:services?|care|provision)\W+(?:[\w’'-]+\W+){0,4}?awarded\s+(?:an?\s+)?['‘\"“]?" + _RATING
               + r"\b", re.I),
]


_NEWS_LINES = _RATING_LINES[6:]  # the news wordings, read only when no rating line or "has rated X as" is found


def _points(m: re.Match[str]) -> int | None:
    n = int(m.group("points") or m.group("pct") or m.group("pts") or m.group("scored") or m.group("news"))
    return n if 0 <= n <= 100 else None
# Points out of 100, as CQC's pages and councils print them: "X scored 78 out of 100 overall, indicating a good
# standard", a summary page's "Overall rating for X: 75%", a council's "a score of 70 points" or "a score of 81%",
# minutes' "Leicester had scored 56%" (read only beside an overall rating), news' "scored a ‘good’ 70 out of 100",
# "Services were rated as 70 out of 100", "with a rating of 70%"
_POINTS = re.compile(r"\b(?:scored|scoring|rated as|rated at) (?:an? ['‘\"“]?(?:outstanding|good|requires improvement|"
                     r"inadequate)['’\"”]? )?(?P<points>\d{1,3}) out of 100(?: overall)?"
                     r"(?:, indicating an? (?P<std>[a-z]+) standard)?|"
                     r"^[ \t]*Overall rating for [^\n:]{2,80}:[ \t]*(?P<pct>\d{1,3})[ \t]*%|"
                     r"\b(?:a |its |their |our )?(?:overall )?(?:score|rating) of (?P<pts>\d{1,3})"
                     r"(?: points| out of 100|[ \t]*%)|"
                     # news: "a score of 62", "a grade of 62 out of 100", "an overall score of 81" (two or three
                     # digits: a quality statement's score is 1 to 4)
                     r"\b(?:an? |its |their |our )?(?:overall )?(?:score|grade|mark) of (?P<news>\d{2,3})\b"
                     r"(?:[ \t]+out of 100)?(?![ \t]*(?:%|per|out of (?!100)))|"
                     r"\bscored (?P<scored>\d{2,3})[ \t]*%(?![ \t]*(?:of|for|on|in)\b)",
                     re.I | re.M)
_STANDARD_RATING = {"exceptional": "Outstanding", "outstanding": "Outstanding", "good": "Good"}


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# a sentence about the providers CQC rates, not the council ("Doncaster now had a residential home that had
# achieved an outstanding rating by CQC")
_PROVIDER = re.compile(r"\b(?:(?:care|residential|nursing) homes?|providers?|home care agenc(?:y|ies))\b", re.I)
_CARE_MARKET = re.compile(r"\bcare market\b", re.I)
_REGULATOR = re.compile(r"\bCQC\b|\bCare Quality Commission\b|\binspectors?\b|\bregulator\b|\bwatchdog\b", re.I)


def _about_providers(text: str, m: re.Match[str]) -> bool:
    """Is the sentence of this rating's wording, or the heading it sits under, about the providers CQC rates?"""
    a, b = sentence_around(text, m.start(), m.end())
    return about_providers(text[a:b], _heading_above(text, a))


def _heading_above(text: str, pos: int, reach: int = 1500) -> str:
    """The nearest heading above the line of `pos`, within `reach` characters: a short line without a full stop,
    standing on its own above a paragraph ("Working with providers"); "" if none."""
    line_start = text.rfind("\n", 0, pos) + 1
    for line in reversed(text[max(0, line_start - reach):line_start].splitlines()):
        s = line.strip()
        if s and len(s) <= 60 and len(s.split()) <= 8 and s[-1] not in ".!?;,:" and s[0].isupper():
            return s
    return ""


def about_providers(passage: str, heading: str = "") -> bool:
    """Is a passage (under this heading) about the providers CQC rates rather than the council ("Working with
    providers" over "... where provision was rated as ‘Inadequate’")?"""
    return bool(_PROVIDER.search(passage) or _PROVIDER.search(heading) or _CARE_MARKET.search(passage + heading))


def overall_rating(text: str) -> Rating | None:
    """The overall rating the text states, with the passage that states it (the first found in CQC's
    layouts: "Overall rating: Good", a summary page's rating line, "scored 78 out of 100 overall", a press
    release's "has rated X as good")."""
    found: list[Rating] = []
    at: dict[int, int] = {}  # id of a found rating: where its wording starts (two may share a sentence)
    points = _POINTS.search(text)
    for pattern in _RATING_LINES:
        if pattern in _NEWS_LINES and any(r.stated for r in found):
            break  # a page's own rating line or CQC's "has rated X as ..." sentence: news wording is not needed
        # news wording is one sentence: never across a blank line (a list of the ratings a council may get)
        prose = pattern in _RATING_LINES[3:]
        for m in pattern.finditer(text):
            if (pattern in _NEWS_LINES and _PARAGRAPH_BREAK.search(m.group(0))) or \
                    (prose and (_about_providers(text, m) or _short_of(text, m) or
                                _AREAS_COUNTED.match(text, m.end()))):
                continue
            rating = _rating_of(pattern, m)
            a, b = m.span()
            if pattern is _RATING_LINES[2]:  # cite the authority's line and its rating together
                a = text.index("\n", a) + 1
            elif prose:  # a rating stated in running text: its sentence
                a, b = sentence_around(text, a, b)
            line = text[a:b]
            a += len(line) - len(line.lstrip())
            found.append(Rating(rating, a, a + len(text[a:b].rstrip()), _points(points) if points else None,
                                prose=prose, stated=pattern in _RATING_LINES[:4]))
            at[id(found[-1])] = m.start()
            if not prose:
                break  # a rating line: its first
    if found:
        found.sort(key=lambda r: at[id(r)])
        # the first found; in running text, the same rating where the sentence says who rated it ("... have been
        # rated Good by the Care Quality Commission (CQC)" over a headline's "Adult social care is rated Good")
        return next((r for r in found if found[0].prose and r.prose and r.rating == found[0].rating and
                     _REGULATOR.search(text[r.start:r.end])), found[0])
    if points and (points.group("std") or "").lower() in _STANDARD_RATING:
        return Rating(_STANDARD_RATING[points.group("std").lower()], points.start(), points.end(), _points(points))
    return None


# a rating said of some of the areas assessed, not the council's: "rated as “Good” in four out of nine areas"
_AREAS_COUNTED = re.compile(r"\W{0,3}\s*(?:in|for|across)\s+(?:\w+|\d+)\s+(?:out\s+)?of\s+(?:the\s+)?(?:nine|9|\w+)\s+"
                            r"(?:areas?|quality statements?|categories|statements?)\b", re.I)
# a rating missed, not given: "came very close to achieving a good rating", "one mark away from being
# ‘good’", "If we'd have achieved 63 we would have been rated good"
_SHORT_OF = re.compile(r"\b(?:close to|short of|away from|breadth from|missed(?: out on)?|would have|could have|"
                       r"might have|aim(?:s|ing)? (?:for|to)|hop(?:e|es|ing) (?:for|to)|bid for|push for|"
                       r"working towards?)\b[^.!?\n]{0,40}$", re.I)


def _short_of(text: str, m: re.Match[str]) -> bool:
    """Is the rating this wording gives one the council missed or hopes for, not one it was given?"""
    return bool(_SHORT_OF.search(text[max(0, m.start() - 60):m.start()]))


def _rating_of(pattern: re.Pattern[str], m: re.Match[str]) -> str:
    return grade(m.group("rating")) if "rating" in pattern.groupindex else _STANDARD_RATING[m.group("std").lower()]


def sentence_around(text: str, a: int, b: int, most: int = 400) -> tuple[int, int]:
    """The sentence of a line that holds text[a:b] (a line no longer than `most` characters is taken whole)."""
    line_start = text.rfind("\n", 0, a) + 1
    line_end = text.find("\n", b)
    line_end = len(text) if line_end < 0 else line_end
    if line_end - line_start <= most:
        start, end = line_start, line_end
    else:
        stops = [m.end() for m in re.finditer(r"[.!?][’”\"')]*\s+", text[line_start:a])]
        start = line_start + (stops[-1] if stops else 0)
        m = re.search(r"[.!?][’”\"')]*(?=\s|$)", text[b:line_end])
        end = b + m.end() if m else line_end
    for _ in range(3):  # a sentence hard-wrapped onto the next line ("Leicester had scored 56% which was\nhigher
        # than some neighbouring Local Authorities."): on to its end
        nxt = text.find("\n", end + 1)
        nxt = len(text) if nxt < 0 else nxt
        here, after = text[start:end].rstrip(), text[end + 1:nxt].strip()
        if not here or here[-1] in ".!?:;" or not after or not (after[0].islower() or ends_mid_sentence(here)):
            break
        stop = re.search(r"[.!?][’”\"')]*(?=\s|$)", text[end + 1:nxt])
        end = end + 1 + stop.end() if stop else nxt
    start += len(text[start:end]) - len(text[start:end].lstrip())
    return start, start + len(text[start:end].strip())


def points_line(text: str) -> tuple[int, int, int] | None:
    """(points, start, end) of the line that gives the points out of 100 ("X scored 78 out of 100 overall,
    indicating a good standard", "Overall rating for X: 75%")."""
    m = _POINTS.search(text)
    if not m or _points(m) is None:
        return None
    start, end = sentence_around(text, m.start(), m.end())
    return _points(m), start, end


# The sections of a statement page that print CQC's framework (the same words in every report of that
# statement), not findings about the authority.
FRAMEWORK_SECTIONS = ("What people expect", "The local authority commitment")

# ------------------------------------------------------------------------------------------ page furniture

# Lines of web-page furniture around a report's text: never a title, an authority or a section.
CHROME = {"downloads", "© care quality commission", "toggle menu", "skip to main content", "agenda item",
          "decision details", "decision", "categories", "media", "back to top", "print", "share", "menu", "search",
          "home", "cookies", "contents", "close", "print this page", "share this page", "jump to content",
          "how we assess local authorities", "overall summary", "accompanying documents:", "print page",
          # a meeting-summary site's controls
          "subscribe to updates", "chat with this meeting", "ai generated"}
_CHROME_LINE = re.compile(r"^(?:an? )?(?:image|photo|photograph|picture|graphic|logo)\b(?: of| showing|:)|"
                          r"^(?:accessibility\s*)?skip to (?:the )?(?:main )?content$|^accessibility$|"
                          r"^issue\s*[-–]\s*meetings$|^supporting documents:?$|^minutes:?$|"
                          # a committee site's page heading: "Agendas, Meetings and Minutes - Agenda item"
                          r"^(?:agendas?|meetings?|minutes|decisions?)\b[\w ,&]{0,40}[-–|:]\s*(?:agenda item|issue|"
                          r"decision details?|meeting details?)$|"
                          # a site's subscription notices: "You'll receive weekly summaries about X every week.",
                          # "If you have any requests or comments please let us know at ...", "Subscribe to our ..."
                          r"^you(?:'|’)?ll receive\b.{0,80}\b(?:summaries|updates|emails?|alerts|newsletters?)\b|"
                          r"^if you have any (?:requests|comments|questions|feedback)\b.{0,60}\blet us know\b|"
                          r"^(?:subscribe|sign up) (?:to|for) (?:our|chat|this|the newsletter|updates|email)\b|"
                          # a news site's promotion: "Watch more of our videos on ShotsTV.com"
                          r"^(?:watch|see|read) more (?:of )?our (?:videos|stories|news)\b", re.I)
_STAMP_LINE = re.compile(r"^(?:published|page last updated|last reviewed|last updated|assessment published|"
                         r"assessment start date|date of publication)\b|"
                         # the page's address, alone or as a field: "URL: https://democracy.thurrock.gov.uk/..."
                         r"^(?:(?:url|link|source|web address|address)\s*:\s*)?(?:https?://|www\.)\S+$", re.I)


# The words of a web page's controls: a short line of these alone ("Toggle mobile menu visibility", "Recently
# Viewed", "Close Remove All", "My Account") is a control, not a title.
_CONTROL_WORDS = {"toggle", "menu", "mobile", "visibility", "navigation", "nav", "close", "remove", "all", "recently",
                  "viewed", "open", "search", "skip", "main", "content", "back", "to", "top", "print", "share", "my",
                  "account", "sign", "in", "out", "log", "cookies", "home", "accessibility", "page", "site", "this",
                  "show", "hide", "expand", "collapse", "sidebar", "breadcrumb", "settings", "language", "select",
                  "translate", "the", "and", "clear", "submit", "go", "more", "less", "view", "favourites", "basket",
                  "subscribe", "updates", "newsletter", "chat", "up", "advertisement", "ad", "ads"}


def is_chrome(line: str) -> bool:
    """Is this line page furniture (a menu, a breadcrumb, a page's controls, an image's alt text), not the report's
    own words?"""
    s = re.sub(r"^#+\s*", "", line.strip()).strip().lower()
    words = s.split()
    return not s or s in CHROME or bool(_CHROME_LINE.match(s)) or \
        (len(words) <= 6 and all(w in _CONTROL_WORDS for w in words) and any(len(w) > 3 for w in words))


# A news page's dateline: a date alone on its line, after the publisher's name, a byline or "Published", before
# a time, day or month first, the month in full or short ("Norfolk County Council, 27 October 2023 00:00",
# "27 October 2023", "May 9, 2025", "By Phil Corrigan - Local Democracy Reporter 13th Jun 2025",
# "Author: Nichola Hunter-WarburtonPublished 28th Jan 2026")
DATELINE = re.compile(r"^[ \t]*(?:[A-Z][\w'’&. -]{2,60},[ \t]*|By [^\n]{2,80}?[ \t]+|[^\n]{0,80}?Published:?[ \t]*)?"
                      r"(?:(?P<d>\d{1,2})(?:st|nd|rd|th)? (?P<m>[A-Za-z]{3,9})\.?,? (?P<y>(?:19|20)\d\d)|"
                      r"(?P<m2>[A-Za-z]{3,9})\.? (?P<d2>\d{1,2})(?:st|nd|rd|th)?, (?P<y2>(?:19|20)\d\d))"
                      r"(?:,?[ \t]+\d{1,2}[:.]\d{2}(?:[ \t]*[ap]m)?)?[ \t]*$", re.M | re.I)


# A saved web page's date stamp: "date 2025-09-11" opening its first line
ISO_DATELINE = re.compile(r"^[ \t]*date[ \t]+(?P<y3>(?:19|20)\d\d)-(?P<m3>\d\d)-(?P<d3>\d\d)\b", re.M)


def is_stamp(line: str) -> bool:
    """Is this line a date stamp ("Published: 17 May 2024", a dateline "Norfolk County Council, 27 October 2023
    00:00") or the page's address ("URL: https://...")? Content, but never a title or a heading."""
    return bool(_STAMP_LINE.match(line.strip()) or DATELINE.match(line) and not _MEETING_HEADING.match(line))


# A meeting's heading, its body then the day: "Cabinet - Wednesday, 15th October, 2025 6.30 pm" (a title, not a
# dateline)
_MEETING_HEADING = re.compile(r"^\s*[A-Z][\w'’&. ]{2,60}?\s[-–]\s(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
# A question in quotation marks alone on its line: a site's sample question ("“Will the report be endorsed?”"),
# never a report's title
_QUOTED_QUESTION = re.compile(r"^\s*[“\"‘'].*\?\s*[”\"’']\s*$")


# Words a title or sentence never ends on: a line ending on one was cut mid-sentence (a PDF's hard wrap).
_DANGLING = {"a", "an", "the", "of", "to", "for", "and", "or", "&", "with", "by", "from", "as", "was", "were",
             "had", "has", "have", "been", "which", "that", "including", "than", "whose", "whether", "into", "but",
             "its", "their", "our", "is", "are", "be", "will", "would", "could", "should", "this", "these"}


def ends_mid_sentence(line: str) -> bool:
    """Does the line stop on a word no sentence or title ends on ("... gave a presentation to the")?

    >>> ends_mid_sentence("The Strategic Director for Social Care &"), ends_mid_sentence("Winter Plan 2022-23")
    (True, False)
    """
    words = line.split()
    return bool(words) and words[-1].lower() in _DANGLING


def title_line(text: str) -> tuple[int, int] | None:
    """(start, end) of the report's title: its first line that is not page furniture, without a Markdown "#".
    A first line cut mid-sentence is not a title line: the title is then the sentence it opens, on as many
    lines as it takes (up to three)."""
    found: tuple[int, int] | None = None
    skipped = False  # the last line with words was furniture: a line going on from it in lower case is too
    for n, (pos, line) in enumerate(lines(text)):
        if found is None:
            if not line.strip():
                continue
            if is_chrome(line) or is_stamp(line) or _QUOTED_QUESTION.match(line) or \
                    skipped and line.strip()[:1].islower():
                skipped = True
                continue
            lead = len(line) - len(line.lstrip())
            stripped = line.strip()
            hashes = len(stripped) - len(stripped.lstrip("#"))
            body = stripped[hashes:].lstrip()
            stamp = ISO_DATELINE.match(body)  # "date 2025-09-17 Wakefield Council was ...": the stamp is no title
            body = body[stamp.end():].lstrip() if stamp else body
            if not body or stamp and is_chrome(body):
                skipped = True
                continue
            a = pos + lead + (len(stripped) - len(body))
            found, first = (a, a + len(body)), n
        elif line.strip() and n - first <= 2:
            found = (found[0], pos + len(line.rstrip()))
        else:
            return found
        if not ends_mid_sentence(text[found[0]:found[1]]):
            return found
    return found


def strip_heading(line: str) -> str:
    """A heading's words without Markdown's "#" marks."""
    return re.sub(r"^#+\s*|\s*#+\s*$", "", line.strip())


def lines(text: str) -> Iterator[tuple[int, str]]:
    """(start offset, line) of every line."""
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1

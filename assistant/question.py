"""Reading a question: which authorities it means (`authorities.Catalog`), what it asks for (`intents`), whether
it asks two things at once (each part read on its own), whether it compares authorities, and what kind of
fact would answer it (a name, a date, a number, a frequency).

Everything here is general English question structure plus the index's own metadata (authority names,
quality statements, scores); nothing is keyed to particular questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .authorities import DOMINANT, Catalog, Reference, core_name
from .cqc import GRADE_WORD, statement_in, statements_in, told_score
from .fuzzy import speller
from .intents import (
    LIST,
    MEANING,
    OVERALL,
    PASSAGES,
    PUBLISHED,
    SCORE,
    SCORE_INTENTS,
    Neighbours,
    asks_other_than_a_score,
    decide,
)

__all__ = ["Catalog", "Part", "Understanding", "understand", "has_expected", "common_words", "holding_subject",
           "resolve_followup", "split_parts"]

NAME, WHO, DATE, COUNT, PERCENT, DURATION, MONEY, FREQUENCY, CHANGE = "name", "who", "date", "count", \
    "percent", "duration", "money", "frequency", "change"
# A rating told in words: what a score question asks of a report that holds no score lines (minutes, news); and
# points out of 100 ("a grade of 62 out of 100", "scored 56%")
RATING, POINTS = "rating", "points"
# a named person's role: "what is Cllr X's role?", "what's Sandra's job title?"
ROLE = "role"
_EXPECTS = [
    (ROLE, re.compile(r"\bwhat(?:'s| is| was| are| were)\s+(?:[\w’'.&-]+\s+){0,4}?(?:[\w-]+['’]s?|their|his|her)\s+"
                      r"(?:job title|job|role|position|post|title)\b|"
                      r"\bwhat (?:job title|job|role|position|post) (?:does|did|do|is|was)\b", re.I)),
    # a person's name: "the name of ..."
    (NAME, re.compile(r"\bname of\b|\b(?:what|which) (?:is|was|'s) (?:the |their |its )?name\b|"
                      r"\bwhat(?:'s| is) (?:the |their |its )?\w+'?s? name\b|\b(?:first|full|given|christian) name\b",
                      re.I)),
    # "who" asking after a person's role ("who chairs the board?", "who is the director of public health?"): a
    # person or the role; "who runs the helpline?" may be an organisation, so no expectation there
    (WHO, re.compile(r"^\s*who\b(?=.*\b(?:director|chairs?|chaired|chairman|chairwoman|chairperson|head|heads|leader|"
                     r"leads|manager|chief|councillor|officer|commissioner|minister|executive|mayor|cabinet member|"
                     r"portfolio holder|lead member|gave|provided|delivered|briefed|principal "
                     r"social worker|introduced|presented|wrote|authored|said|says|thanked|welcomed|spoke|commented|"
                     r"described)\b)|"
                     # "which councillor is named as leading the response?": a person in that role
                     r"^\s*(?:and\s+)?(?:which|what) (?:councillors?|cllrs?|officers?|directors?|managers?|leaders?|"
                     r"chief executives?|cabinet members?|portfolio holders?|spokes(?:person|man|woman))\b", re.I)),
    (DATE, re.compile(r"^\s*(?:and\s+)?when (?:exactly |precisely |roughly |approximately )?(?:is|was|were|did|does|do|"
                      r"will|has|have|are|can|should)\b|"
                      r"^\s*(?:and\s+)?when\s*\??\s*$|\b(?:what|which) (?:exact |precise |specific )?"
                      r"(?:dates?|year|month|days?)\b|\bby when\b|\bwhat time\b|"
                      # "what is its decision date?", "what was the publication date?"
                      r"\b(?:what|which) (?:is|was|are|were|'s) (?:the |its |their )?(?:[\w-]+ )?dates?\b", re.I)),
    (FREQUENCY, re.compile(r"\bhow (?:often|regularly|frequently)\b|\bfrequency\b", re.I)),
    (PERCENT, re.compile(r"\b(?:what|which) (?:proportion|percentage|percent|share|fraction|%)|\bwhat %|"
                         r"\bhow many (?:per ?cent|percent)\b|\bpercentage\b|"
                         # a rate that is a share: "what is the bed occupancy rate?", "what were the vaccination rates?"
                         r"\bwhat(?:'s| is| was| are| were)\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,3}?"
                         r"(?:occupancy|vacancy|vaccination|uptake|response|satisfaction|turnover|readmission|"
                         r"completion|success|take-up) rates?\b", re.I)),
    # an amount of change: "how much has demand grown since 2020?" ("a 40% rise", "from 2 to 4", "£1.2m more"):
    # a share, a number or a sum, whichever the report gives
    (CHANGE, re.compile(r"\bhow much (?:(?:has|have|did|does|do|is|was|will|had)\b.*?\b(?:gr[eo]wn?|grows|growing|"
                        r"ris(?:en|es|ing)|rose|rise|increas\w*|f[ae]ll\w*|dropp?\w*|declin\w*|reduc\w*|chang\w*|"
                        r"improv\w*|shr[iu]nk\w*|(?:gone|go|went|come|came) (?:up|down))\b|"
                        r"(?:of an? |)(?:rise|increase|growth|fall|drop|decline|reduction|change|improvement)\b)",
                        re.I)),
    # an amount of money: "how much ...", "what was the budget?", "what did it cost?" (not any question that
    # mentions a budget)
    (MONEY, re.compile(r"\bhow much (?:money|funding|did|does|was|is|will|has|have|into|towards)\b|"
                       r"\bhow much\b.*\b(?:cost|spen[dt]|fund(?:ing|ed)?|paid|pay|budget|overspen\w*|deficit)\b|"
                       r"\bwhat(?:'s| was| is| were| are) (?:the |its |their |[\w-]+['’]s )?(?:total |net |overall |"
                       r"actual |estimated |planned |proposed |forecast |projected |gross |annual |final )?"
                       r"(?:budget|cost|spend|"
                       r"overspend|underspend|deficit|shortfall|amount|surplus|variance|(?:adverse|favourable|financial|"
                       r"budget) position)\b|\bwhat did (?:it|they|\w+) (?:cost|spend)\b|"
                       # a price: "the median weekly rate for residential care", "what fee does it pay?"
                       r"\b(?:weekly|hourly|daily|annual|median|average|mean|standard) (?:rates?|fees?|prices?)\b|"
                       r"\b(?:what|which) (?:rates?|fees?|prices?) (?:is|was|are|were|does|did|do)\b|"
                       r"\bcost per (?:week|hour|day|person|bed)\b",
                       re.I)),
    # ... not waiting times as a subject ("were waiting times a problem in both?")
    (DURATION, re.compile(r"\bhow long\b|\b(?:waiting|wait|waits) times?\b(?!\s+(?:(?:a|an|the|of)\s+)?"
                          r"(?:problem|issue|concern|challenge|worry|raised|mentioned|highlighted|criticised|flagged))",
                          re.I)),
    (COUNT, re.compile(r"\bhow many\b|\b(?:what|which) number\b|\bnumber of\b", re.I)),
]
# The name of a thing, not a person ("the name of their co-production strategy", "what is the service called?"):
# answered by a capitalised title
_THINGS = (r"strateg(?:y|ies)|plans?|services?|teams?|programmes?|schemes?|boards?|polic(?:y|ies)|tools?|systems?|"
           r"approach(?:es)?|models?|initiatives?|projects?|funds?|hubs?|partnerships?|forums?|groups?|reports?|"
           r"frameworks?|pathways?|apps?|websites?|centres?|networks?|campaigns?|panels?|committees?|documents?|"
           r"helplines?|lines?|offers?|charit(?:y|ies)|organisations?|providers?")
_THING_NAME = re.compile(rf"\bnames? of (?:the |their |its |our |that |this |a )?(?:[\w-]+ ){{0,3}}?(?:{_THINGS})\b|"
                         rf"\b(?:{_THINGS}) (?:is |was )?called\b|\bwhat (?:is|was|are|were) (?:the |their |its |our )?"
                         rf"(?:[\w-]+ ){{0,3}}?(?:{_THINGS}) called\b", re.I)
# A capitalised title: two or more capitalised words, joined by "and", "of", "for", "&" (a leading "The" aside)
_PROPER_PHRASE = re.compile(r"\b(?!(?:The|A|An|This|That|Our|Their|Its)\b)[A-Z][\w’'-]*(?:\s+(?:(?:and|of|for|&|the)"
                            r"\s+)?[A-Z][\w’'-]*)+")
_CHAIRED = re.compile(r"\b(?:chaired|chairs|chair|chairing|presided)\b", re.I)
_BODIES = {"cabinet", "committee", "group", "commission", "directorate", "scrutiny", "overview", "review",
           "management", "summary", "annual", "treasury"}
# Words of organisations and documents: a capitalised pair of these is not a person's name.
_NOT_NAMES = {"council", "councils", "board", "team", "trust", "association", "service", "services", "group", "unit",
              "hub", "fund", "framework", "programme", "plan", "act", "england", "commission", "college", "colleges",
              "royal", "health", "care", "centre", "centres", "partnership", "forum", "network", "panel", "cell",
              "county", "city", "borough", "district", "authority", "department", "office", "agency", "nhs",
              # ... nor of a role's title ("the Assistant Director, Adult Social Care" names no one)
              "director", "directors", "assistant", "deputy", "executive", "chief", "head", "manager", "officer",
              "member", "lead", "leader", "chair", "councillor", "strategic", "corporate", "interim", "portfolio",
              "holder", "principal", "senior", "cabinet"}
_PAST = re.compile(r"\b(previous(?:ly)?|earlier|older|prior|last time|history|historic(?:al)?|changed?|"
                   r"improved?|worsened|superseded|used to|over time|since the last)\b", re.I)
_COMPARISON = re.compile(r"\b(compare[sd]?|comparison|comparing|versus|vs\.?|differ(?:s|ence|ences)?|both|"
                         r"each (?:council|authority|borough)|(?:two|the two|2) (?:councils|authorities|boroughs|"
                         r"reports|areas|local authorities|las)|the same (?:age|way))\b", re.I)
# A question's own words that are only about asking ("what", "did") or about councils in general.
_STOP = {"what", "which", "who", "how", "did", "does", "do", "is", "was", "were", "are", "the", "a", "an", "of", "in",
         "on", "for", "to", "and", "or", "authority", "authorities", "council", "councils", "borough", "boroughs", "la",
         "that", "this", "get", "got", "one", "cqc", "s", "it", "its", "their", "they", "we", "our", "us", "there",
         "any", "about", "when", "where", "why", "with", "by", "at", "from", "has", "have", "had", "be", "been", "can",
         "could", "would", "should", "will", "say", "said", "says", "tell", "me", "please", "also", "then", "so"}

# Words every report of adult social care uses: a question sharing one with a description is not about what it says.
_EVERY_REPORT = {"adult", "adults", "social", "care", "people", "person", "service", "services", "support", "local",
                 "assessment", "assessments", "team", "teams", "report", "reports", "work", "staff"}


@dataclass(frozen=True)
class Part:
    """One thing a question asks: "what did Derbyshire score, and what worried partners?" has two."""

    text: str  # the part as asked
    search_text: str  # what to search for: without the words that only point at an authority
    intent: str  # intents.SCORE ... PASSAGES
    expects: str | None  # NAME | DATE | COUNT | PERCENT | DURATION | MONEY | FREQUENCY: the fact that answers
    counted: tuple[str, ...] = ()  # for COUNT: the words of what is counted ("how many care homes")
    score_value: int | None = None  # a score the part names ("did X get a four?", "which council scored 4?")
    statement: str | None = None  # a CQC quality statement the part names (the first)
    rule: str | None = None  # the intent rule that decided, or "neighbours"
    statements: tuple[str, ...] = ()  # every quality statement the part names
    which: bool = False  # "which ... scored N?": the scores that are N, not every score
    # what to search first when a description's words were added to `search_text` because the part says little
    # on its own ("the council that had its CQC visit on 30 April - what did inspectors say about its staff?"):
    # the part's own words, which may be what it asks about rather than the description's
    bare: str | None = None
    # the part as asked without its references to authorities: what it asks, not whom (a description's year or
    # group, "the council whose proposal was approved in April 2006", is not the period it asks about)
    plain: str = ""


@dataclass(frozen=True)
class Understanding:
    text: str
    search_text: str  # the whole question without the words that only point at an authority
    authorities: tuple[str, ...]  # authority names, as in the metadata, the question refers to
    unknown_authorities: tuple[str, ...]  # councils the question names that no report covers
    statement: str | None  # a CQC quality statement the question names
    score_kind: str | None  # the first part's intent when it asks about scores: score | meaning | compare | ...
    score_value: int | None  # the score a "meaning" or "which council scored N" question names
    comparison: bool  # asks to compare authorities (or reports)
    expects: str | None  # the kind of fact the (first) part asks for
    counted: tuple[str, ...] = ()
    about_past: bool = False  # asks about earlier versions ("previous", "changed", ...)
    missing_document: str | None = None  # "winter plan" asked of an authority that has none indexed
    parts: tuple[Part, ...] = ()
    references: tuple[Reference, ...] = ()
    context: str | None = None  # the earlier question a follow-up was asked after
    ambiguous: tuple[str, ...] = ()  # descriptions that fit several authorities
    named: tuple[str, ...] = ()  # the authorities named (by name, or one description each): what is compared


# ------------------------------------------------------------------------------------------ reading

_AFTER = re.compile(r"\s*\(after “(?P<previous>.+)”\)\s*$")


def understand(question: str, reports: Mapping[str, Mapping[str, Any]] | Catalog, common: frozenset[str] = frozenset(),
               search: Callable[[str], dict[str, float]] | None = None, neighbours: Neighbours | None = None,
               vector: Callable[[str], np.ndarray] | None = None,
               mentioned: Callable[[str], bool] | None = None,
               dictionary: frozenset[str] = frozenset()) -> Understanding:
    """Read a (cleaned) question against the indexed reports ({doc: metadata dict}, or their Catalog).

    `common`: the reports' ordinary lower-case words (to tell "Reading" the council from "reading");
    `search`: finds which authorities' reports state a fact (for descriptions such as "the council that
    works with its neighbours on quality assurance"); `neighbours` and `vector`: the labelled example
    questions and the question's vector, consulted when no intent rule decides; `mentioned`: whether the
    reports mention a name (a council's name they use as a place is not a council asked about); `dictionary`:
    real words (the model's vocabulary), never taken for misspellings of the reports' words."""
    catalog = reports if isinstance(reports, Catalog) else Catalog.of(reports)
    context = None
    m = _AFTER.search(question)
    if m:
        context, question = m.group("previous"), question[:m.start()]
    refs = catalog.references(question, common, search, mentioned)
    if any(r.how in ("name", "typo") for r in refs):  # "Camden ... what pilot was the council running?"
        refs = [r for r in refs if r.how not in ("content", "ambiguous") or not r.authorities]
    spans = split_parts(question)
    many = getattr(vector, "many", None)
    if len(spans) > 1 and many is not None and neighbours is not None:
        # several parts: what each may be voted on and searched with, encoded in one batch before any is needed
        raw = tuple(_part(question, a, b, refs, None, None) for a, b in spans)
        searched = [p.search_text for p in _lean_on_before(_merge_elliptical(raw))]
        many([p.search_text for p in raw] + searched +
             ([_spelled(t, common, dictionary) for t in searched] if common else []))
    parts = _lean_on_before(_merge_elliptical(tuple(_part(question, a, b, refs, neighbours, vector)
                                                    for a, b in spans)))
    if not any(r.authorities for r in refs if r.how != "ambiguous"):
        # "had the findings come out by the time of the assessment?": a score of nobody about nothing is no score
        parts = tuple(replace(p, intent=PASSAGES, rule=None) if p.intent == SCORE and not p.statements
                      and p.score_value is None and not re.search(r"\b(?:we|our|us)\b", p.text, re.I)
                      and not (p.which and GRADE_WORD.search(p.text)) else p  # "which council was rated good?"
                      for p in parts)
    # "what overall rating did X receive, and with what percentage?": a later part asking only for a percentage (of
    # nothing it names) asks the score of the part before, out of 100
    parts = tuple(replace(p, intent=OVERALL, rule="the score asked before, as a percentage", expects=None)
                  if i and parts[i - 1].intent in SCORE_INTENTS and p.intent == PASSAGES and p.expects == PERCENT
                  and not _subject_stems(p.text) else p for i, p in enumerate(parts))
    about_scores = any(p.intent in SCORE_INTENTS for p in parts)
    # a council's bare name the reports use as a place: a council asked about only in a question about scores
    refs = [r if r.how != "place" else replace(r, how="unknown") for r in refs if r.how != "place" or about_scores]
    if not any(r.authorities or r.unknown for r in refs) and search is not None:
        found = _authority_by_content(question, parts, search)
        if found is not None:  # "planning together meetings council CQC rating": that council's score
            refs.append(found)
            parts = tuple(replace(p, intent=SCORE, rule="a score, of the authority its words describe",
                                  expects=None) if p.intent == PASSAGES else p for p in parts)
    held: list[str] = []
    named: list[str] = []
    ambiguous: list[str] = []
    for r in refs:
        if r.how == "ambiguous":
            ambiguous.append(question[r.start:r.end])
            if len(r.authorities) > 3:
                continue
        else:
            named.extend(a for a in r.authorities if a not in named)
        held.extend(a for a in r.authorities if a not in held)
    unknown = tuple(dict.fromkeys(r.unknown for r in refs if r.how == "unknown" and r.unknown))
    if context and not held and not unknown:  # a follow-up about "them": the earlier question's authorities
        before = [r for r in catalog.references(context, common) if r.how not in ("ambiguous", "place", "unknown")]
        held = list(dict.fromkeys(a for r in before for a in r.authorities))
        if held:
            # "did they get outstanding then?": "they" are the earlier question's authorities, and the question reads
            # as the score question it is with them in its place
            parts = tuple(_as_asked_of_them(p) for p in parts)
    if context:
        parts = tuple(replace(p, search_text=f"{p.search_text} {_search_words(context, catalog, common)}",
                              bare=p.bare and f"{p.bare} {_search_words(context, catalog, common)}")
                      for p in parts)
    if context and not any(p.statements for p in parts):  # "and what does that mean?": the earlier statement
        earlier = statements_in(context)
        parts = tuple(replace(p, statements=earlier, statement=earlier[0] if earlier else None) for p in parts)
    if context and decide(_masked(context, 0, len(context), catalog.references(context, common))[0])[0] \
            in SCORE_INTENTS:  # after a score: "what does that mean?" asks what the score means
        parts = tuple(replace(p, intent=MEANING, rule="what the score asked before means", expects=None)
                      if _THAT_MEANS.match(p.text) else
                      # "and what percentage was that?", "and what was the actual number?": the score asked
                      # before, as points out of 100
                      replace(p, intent=OVERALL, rule="the score asked before, as a percentage", expects=None)
                      if p.intent == PASSAGES and (p.expects == PERCENT and _THAT.search(p.text) or
                                                   _THE_FIGURE.match(p.text)) else p
                      for p in parts)
    if common:  # "norfolk wintr plan": the reports' word too, so the search finds what was meant
        parts = tuple(replace(p, search_text=_spelled(p.search_text, common, dictionary),
                              bare=p.bare and _spelled(p.bare, common, dictionary)) for p in parts)
    first = parts[0]
    score_kind = first.intent if first.intent in SCORE_INTENTS else None
    statement = next((p.statement for p in parts if p.statement), None)
    comparison = bool(_COMPARISON.search(question)) or len(named) > 1
    search_text = " ".join(p.search_text for p in parts)
    return Understanding(question, search_text, tuple(held), unknown, statement, score_kind, first.score_value,
                         comparison, first.expects, first.counted, bool(_PAST.search(question)),
                         _missing_document(question, tuple(held), catalog), parts, tuple(refs), context,
                         tuple(ambiguous), tuple(named))


_THAT_MEANS = re.compile(r"^\s*(?:and\s+|so\s+|ok\s+)?what (?:does|do|did|would) (?:that|this|it|they|those)"
                         r"(?: score| rating| mark| number)?(?: actually| really)? (?:mean|signify|stand for)\b", re.I)
_LISTING = {"list", "show", "give", "hold", "held", "have", "all", "every", "each", "scores", "ratings", "please"}
_SCORE_WORD = re.compile(r"\b(?:cqc\s+)?(?:score|scored|rating|rated|mark|grade|verdict)s?\b", re.I)


# A question about any council, or asking which ("what percentage counts as Good for a council?", "which council
# was rated inadequate?"), not one described by what it says
_ANY_COUNCIL = re.compile(r"\b(?:a|an|any|every|each|which|what)\s+(?:local\s+)?(?:council|authority|borough|county)\b|"
                          r"\b(?:councils|authorities)\b", re.I)


_THAT = re.compile(r"\b(?:that|it|this|they|their|its)\b", re.I)
_THE_FIGURE = re.compile(r"^\s*(?:and\s+|so\s+|ok\s+)?what (?:was|is|'s) (?:the|their|its) (?:actual |exact )?"
                         r"(?:number|figure|score|mark|percentage)\s*\??\s*$", re.I)


def _spelled(text: str, common: frozenset[str], dictionary: frozenset[str] = frozenset()) -> str:
    """The text, with the reports' words added after each lower-case word they never use but nearly spell
    ("inspecton" -> "inspecton inspection inspector"), unless it is a real word ("proportion" is no
    misspelt "promotion")."""
    check = speller(common)
    return re.sub(r"\b[a-z]{5,}\b", lambda m: m.group(0) if m.group(0) in dictionary else
                  " ".join((m.group(0),) + check.correct(m.group(0))), text)


def _authority_by_content(question: str, parts: tuple[Part, ...],
                          search: Callable[[str], dict[str, float]]) -> Reference | None:
    """A question about a score that names no authority but says something only one authority's reports
    state ("planning together meetings council CQC rating"): that authority."""
    if len(parts) != 1 or not _SCORE_WORD.search(question) or parts[0].intent not in (PASSAGES, SCORE) or \
            _ANY_COUNCIL.search(question):
        return None
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", _SCORE_WORD.sub(" ", question))
             if w.lower() not in _STOP and w.lower() not in _LISTING and not statement_in(w)]
    if len(words) < 3:
        return None
    weights = search(" ".join(words))
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])
    if ranked and (len(ranked) == 1 or ranked[0][1] >= DOMINANT * ranked[1][1]):
        return Reference(0, 0, (ranked[0][0],), "content")
    return None


def _part(question: str, a: int, b: int, refs: list[Reference], neighbours: Neighbours | None,
          vector: Callable[[str], np.ndarray] | None) -> Part:
    text = question[a:b].strip()
    masked, search = _masked(question, a, b, refs)
    _, bare = _masked(question, a, b, refs, lend=False)
    intent, rule = decide(masked)
    # a quality statement inside a description describes the authority, not what is asked ("In the London borough
    # scored 4 for safe pathways, how did the council respond to the flooding?"), unless the question points back at
    # it ("..., what did it score on that statement?")
    statements = statements_in(text if _THAT_STATEMENT.search(masked) else masked)
    if intent is None:
        intent, rule = _score_by_words(masked, statements)
    if intent is None and neighbours is not None and vector is not None and _few_content_words(search):
        intent = neighbours.vote(vector(search))
        if intent == PUBLISHED and _ASKS_OTHER_THAN_WHEN.match(masked):
            intent = None  # "who wrote the CQC article?" sounds like "when was it published?" but asks who
        if intent in SCORE_INTENTS and asks_other_than_a_score(masked):
            intent = None  # "who responded for the council?" sounds like "what did the council get?" but asks who
        rule = "neighbours" if intent else None
    intent = intent or PASSAGES
    expects = next((kind for kind, pattern in _EXPECTS if pattern.search(text)), None)
    counted: tuple[str, ...] = ()
    if expects == COUNT:
        m = re.search(r"\b(?:how many|number of)\s+((?:[a-z'-]+\s*){1,3})", text, re.I)
        if m:
            words = []
            for w in m.group(1).lower().split():
                if w in _VERBS:
                    break
                words.append(w)
            # "how many said / felt / reported ...?" counts the people who did
            counted = ("people",) if words and words[0] in _SAYING else tuple(words)
    return Part(text, search or text, intent, expects if intent == PASSAGES else None, counted,
                _score_value(masked), statements[0] if statements else None, rule, statements,
                bool(re.match(r"\s*(?:which|what)\b", masked, re.I)) and intent in (SCORE, LIST),
                bare if bare and bare != search else None, bare or text)


# A question after a person, a place, a reason or a way: never after a report's date
_ASKS_OTHER_THAN_WHEN = re.compile(r"\s*(?:and\s+|so\s+)?(?:who|whom|whose|where|why|how)\b(?!\s+(?:long ago|recent))",
                                   re.I)
_THAT_STATEMENT = re.compile(r"\b(?:that|this|the same|the said)\s+(?:quality\s+)?(?:statement|area|theme)\b", re.I)
_SCORE_TALK = re.compile(r"\b(?:[1-4]|one|two|three|four|exceptional|shortfalls|good standard|outstanding|"
                         r"requir(?:es|ing) improvement|inadequate|came out|come out)\b|"
                         r"\bwhat (?:did|does|do) AUTH (?:get|receive|achieve)\w* (?:for|on|in)\b", re.I)


def _score_by_words(masked: str, statements: tuple[str, ...]) -> tuple[str | None, str | None]:
    """No rule decided: a question naming an authority and a quality statement and talking of a score, a
    descriptor or what was got ("what did AUTH get for care provision?", "AUTH's assessing needs came out as
    'some shortfalls' - is that a 2?") asks for that score."""
    if statements and "AUTH" in masked and _SCORE_TALK.search(masked) and len(masked.split()) <= 25:
        return SCORE, "authority, statement and a score"
    return None, None


# What an authority's name leaves behind when it is taken out of what is searched: a preposition before a comma or
# the end ("In Camden, how ...", "how are carers supported in Camden?"), a comma or dash opening the question
_DANGLING = re.compile(r"\b(?:in|for|at|of|from|about|on|with|across|within|by|to)\s+(?=[,;:?.–—]|\s*$)", re.I)
_LEADING_MARK = re.compile(r"^\s*[,;:–—-]+\s*")


def _masked(question: str, a: int, b: int, refs: list[Reference], lend: bool = True) -> tuple[str, str]:
    """The part with every reference to an authority as `AUTH` (what intent rules read), and without them (what
    is searched for). A description by a fact lends its words to what is searched for (unless not `lend`) when
    the part says too little on its own: they are then the topic."""
    masked, search, kept = [], [], []
    pos = a
    for r in refs:
        if r.end <= a or r.start >= b or r.how in ("place",) or r.start == r.end:
            continue
        s, e = max(r.start, a), min(r.end, b)
        masked.append(question[pos:s] + "AUTH")
        kept.append(question[s:e]) if r.how == "content" else None
        # a name that is part of another name stays in what is searched ("the 'We Make Camden' strategy",
        # "Call Derbyshire", "Derbyshire Carers Association")
        keep = _quoted(question, s, e) or _in_a_name(question, s, e)
        search.append(question[pos:s] + (f" {question[s:e]} " if keep else " "))
        pos = e
    masked.append(question[pos:b])
    search.append(question[pos:b])
    own = _DANGLING.sub(" ", " ".join("".join(search).split()))  # "In , how often ...": "how often ..."
    own = " ".join(_LEADING_MARK.sub("", own).split())
    words = {w for w in re.findall(r"[a-z]+", own.lower()) if w not in _STOP}
    described = {w for w in re.findall(r"[a-z]+", " ".join(kept).lower())
                 if w not in _STOP and w not in _EVERY_REPORT and len(w) > 3}
    if lend and kept and (len(words) < 3 or words & described or _POINTS_BACK_TO.search(own)) and \
            not (len(words) < 3 and _SCORE_ASKED_WORDS.search(own)):
        # (not when it asks a score: "what percentage did the council that became a unitary in 2021 get
        # overall?" asks the score, whatever the description says)
        # "in the council that uses the 3 conversations model, what is each of the three conversations for?": the
        # description says what; "the council notified by CQC on 7 April - which team supports its assessment?" not
        own = f"{own} {' '.join(kept)}"
    return "".join(masked).strip(), own


_SCORE_ASKED_WORDS = re.compile(r"\b(?:percentage|per ?cent|%|score|scored|rating|rated|grade|mark|points|overall)\b",
                                re.I)
# A part pointing back at what its description names ("In the council whose stepdown flats are run with Curo, how
# long can someone stay in one?"): the description's words are its topic
_POINTS_BACK_TO = re.compile(r"\b(?:in|at|of|from|to|use|uses|get|gets) (?:one|them|those|these|it)\b", re.I)


def _quoted(text: str, start: int, end: int) -> bool:
    """Is text[start:end] inside quotation marks ("the 'We Make Camden' strategy")?"""
    for m in re.finditer(r"['‘“\"]([^'’”\"]{2,80})['’”\"]", text):
        if m.start(1) <= start and end <= m.end(1):
            return True
    return False


_NAME_WORD = re.compile(r"[A-Z][a-z]+")
_NOT_NAME_WORD = {"What", "Which", "Who", "How", "When", "Where", "Why", "Did", "Does", "Do", "Is", "Was", "Are",
                  "Were", "In", "For", "At", "On", "The", "And", "Or", "CQC", "Council", "County", "City", "Borough",
                  "Can", "Tell", "Please", "Has", "Have", "Compare", "Show", "List", "Give", "I", "Ok", "So", "Any"}


def _in_a_name(text: str, start: int, end: int) -> bool:
    """Is text[start:end] (a council's name) part of a longer capitalised name ("Call Derbyshire", "Derbyshire
    Carers Association")?"""
    if text[end:end + 2] in ("'s", "’s"):
        return False
    before = re.search(r"([A-Za-z]+)\s+$", text[:start])
    after = re.match(r"\s+([A-Za-z]+)", text[end:])
    return any(m is not None and _NAME_WORD.fullmatch(m.group(1)) and m.group(1) not in _NOT_NAME_WORD
               for m in (before, after))


def _few_content_words(text: str) -> bool:
    return len([w for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOP]) <= 4


_N = {"one": 1, "two": 2, "three": 3, "four": 4}
_SCORE_VALUE = re.compile(r"\b(?:scored|scores?|score of|get|gets|got|received?|given|awarded|achieve[ds]?|rated|"
                          r"manage[ds]?|earn(?:ed|s)?|a)\s+(?:an?\s+)?"
                          r"(?P<n>[1-4]|one|two|three|four)\b(?!\s*(?:%|per|weeks?|days?|months?|years?|hours?|(?:to|-|–)\s*(?:[1-4]|four)\b))|"
                          r"\bwhat (?:does|do|would|is|'s|was) (?:an? |the )?(?:score (?:of )?|mark (?:of )?)?['‘\"]?"
                          r"(?P<m>[1-4]|one|two|three|four)\b", re.I)


def _score_value(masked: str) -> int | None:
    m = _SCORE_VALUE.search(masked)
    if not m:
        low = masked.lower()  # "which ones were judged to show an exceptional standard?"
        return next((n for words, n in (("exceptional standard", 4), ("good standard", 3), ("some shortfalls", 2),
                                        ("significant shortfalls", 1)) if words in low), None)
    n = (m.group("n") or m.group("m")).lower()
    return _N.get(n) or int(n)


_VERBS = {"does", "do", "did", "are", "were", "is", "was", "have", "has", "had", "will", "would", "can", "could",
          "in", "at", "for", "of", "on", "by", "with", "across"}


def _search_words(text: str, catalog: Catalog, common: frozenset[str]) -> str:
    """A question's words that are about its subject, not about which authority or how it is asked."""
    _, search = _masked(text, 0, len(text), catalog.references(text, common))
    return " ".join(w for w in search.split() if re.sub(r"['’]s$", "", w.lower().strip("?,.")) not in _STOP)


# ------------------------------------------------------------------------------------------ two parts

_QUESTION_WORD = (r"(?:how|what|who|whom|whose|when|where|why|which|is|are|does|do|did|was|were|has|have|can|could|"
                  r"will|would|should)")
_LEADING = (r"(?:(?:by|for|in|on|at|from|to|with|of|under|since|until|after|before)\s+"
            r"(?=how|what|which|whom?\b|when\b))?")
_SPLIT = re.compile(rf"\?\s+(?=\S)|;\s+|,?\s+and\s+(?={_LEADING}{_QUESTION_WORD}\b)|,\s+(?=(?:and\s+|but\s+)?"
                    rf"(?:also\s+)?{_LEADING}{_QUESTION_WORD}\b)|\s+as well as\s+(?={_QUESTION_WORD}\b)", re.I)


# A part asks when it opens with a question word; "when" and "where" only as questions ("When did ...?"), not as
# the start of a clause ("When local infection rates climb, how ...?")
_ASKS = re.compile(rf"^\s*(?:(?:in|at|for|on|within|across|under|about|regarding|from|by|apart from|aside from|besides|"
                   rf"other than|beyond|after|before|during|following|given|since|like|unlike|according to|as for)\b"
                   rf"[^,?]{{0,80}},\s*|"
                   rf"[^,?\n]{{2,80}}?\s[-–—:]\s+)?"
                   rf"(?:(?:by|from|to|for|in|at|on|with|since|until|of)\s+(?=(?:when|what|which|whom|how)\b))?"
                   rf"(?:and\s+|so\s+|also\s+|but\s+)?(?:(?:when|where)\s+(?:is|are|was|were|did|does|do|will|"
                   rf"has|have|had|can|could|should|would)\b|(?!when\b|where\b){_QUESTION_WORD}|whats|what's|who's|"
                   rf"how's|tell me|list|show|name|give|explain|describe|compare)\b", re.I)


def split_parts(question: str) -> list[tuple[int, int]]:
    """(start, end) of each thing a question asks: split at a second question mark, a semicolon, or ", and
    how/what/when ..."; parts too short to stand alone ("and when?") are kept, to be merged with the one
    before as the kind of fact it adds."""
    spans = []
    pos = 0
    for m in _SPLIT.finditer(question):
        head = question[pos:m.start()]
        # "Given the shortage ..., was ...?" and "In the council that scored 4, how ...?" are one question:
        # a part must itself be a question (open with a question word) or end with a question mark
        asks = bool(_ASKS.match(head)) or m.group(0).startswith("?") or m.group(0).startswith(";")
        if len(re.findall(r"\w+", head)) >= 2 and asks:
            spans.append((pos, m.start()))
            pos = m.end()
    spans.append((pos, len(question)))
    return [(a, b) for a, b in spans if question[a:b].strip(" ?,;")] or [(0, len(question))]


# Words that leave a part elliptical ("and how much?", "and when exactly?"): it asks a kind of fact, not a subject.
_ELLIPTICAL = {"much", "many", "long", "often", "exactly", "precisely", "roughly", "else", "now", "too", "then",
               "whom", "who", "year", "date", "day"}


def _merge_elliptical(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """A part that only asks "when?" or "and who?" belongs to the part before: it adds the kind of fact to
    look for, not a search of its own."""
    out: list[Part] = []
    for p in parts:
        words = [w for w in re.findall(r"[a-z]+", p.search_text.lower())
                 if w not in _STOP and w not in _VERBS and w not in _ELLIPTICAL]
        if out and not words and p.intent == PASSAGES:
            prev = out[-1]
            out[-1] = replace(prev, text=f"{prev.text}, {p.text}", expects=prev.expects or p.expects, bare=None,
                              search_text=f"{prev.search_text} {p.search_text}".strip())
        else:
            out.append(p)
    return tuple(out)


def _lean_on_before(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """A later part that points back ("and what does it do?", "who runs them?") or says little on its own (a
    quality statement it names is a subject of its own) is searched with the subject words of the part before."""
    out = list(parts)
    for i in range(1, len(out)):
        p, before = out[i], out[i - 1]
        own = [w for w in re.findall(r"[a-z]+", p.search_text.lower()) if w not in _STOP and w not in _VERBS]
        if p.intent == PASSAGES and (_BACK_TO_SUBJECT.search(p.text) or (len(own) <= 2 and not p.statements)):
            # the subject, not what the part before asked of it: "What did the CQC praise X for, and what was the
            # main criticism?" is not about praise; "What were the main concerns about X, and what was working
            # well?" not about concerns
            subject = " ".join(w for w in before.search_text.split()
                               if re.sub(r"['’]s$", "", w.lower().strip("?,.")) not in _STOP | _JUDGEMENT)
            out[i] = replace(p, search_text=f"{p.search_text} {subject}".strip(), bare=None)
    return tuple(out)


# Words a part asks with about its subject: what was praised or criticised, the strengths or the concerns.
_JUDGEMENT = {"praise", "praised", "praises", "criticism", "criticisms", "criticise", "criticised", "criticize",
              "criticized", "concern", "concerns", "concerned", "strength", "strengths", "weakness", "weaknesses",
              "positive", "positives", "negative", "negatives", "good", "well", "working", "bad", "worry", "worries",
              "worried", "problem", "problems", "issue", "issues", "challenge", "challenges", "main", "key", "biggest",
              "highlight", "highlighted", "found", "find", "finding", "findings", "note", "noted", "improve",
              "improvement", "improvements", "shortfall", "shortfalls", "weak", "spots", "strong", "points", "score",
              "scored", "scores", "rating", "rated", "ratings", "grade", "graded", "mark", "marks"}


_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "our", "your", "his", "her", "my",
                "which", "what", "whose", "each", "every", "any", "some", "same", "new", "latest", "last", "first"}


_ANY_KIND = {"care", "social", "council", "county", "borough", "new", "draft", "latest", "current", "full", "own",
             "overall", "main"}


def _missing_document(text: str, named: tuple[str, ...], catalog: Catalog) -> str | None:
    """A kind of document ("winter plan") asked of a named authority that has none indexed, while another
    authority's report of that kind is: the question is about a report we do not hold."""
    for m in re.finditer(r"(?<!['’])\b([a-z]{2,} (?:plan|strategy|report|assessment|account))\b", text, re.I):
        phrase = m.group(1).lower()
        if phrase.split()[0] in _DETERMINERS | _ANY_KIND:  # "the report", "this assessment", "adult social care
            # strategy": no kind of document, or one every council's reports may be (Devon's "vision and strategy
            # for adult social care" is titled "Promoting independence")
            continue
        titled = [a for title, a, _ in catalog.titles if phrase in title]
        if titled and named and not any(a in named for a in titled):
            return phrase
    return None


# ------------------------------------------------------------------------------------ answer types

_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
# a date: a month, a year, a day of the month or week; a season only with its year ("summer 2020"), not in a
# name ("Winter Plan"); "the end of the month"
_SMALL = "one|two|three|four|five|six|seven|eight|nine|ten|twelve"
_DATE_IN = re.compile(rf"\b(?:{_MONTHS}|(?:19|20)\d\d|\d{{1,2}}(?:st|nd|rd|th)|monday|tuesday|wednesday|thursday|"
                      r"friday|saturday|sunday|(?:end|start|beginning|middle) of (?:the )?(?:month|year|week))\b|"
                      r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:spring|summer|autumn|winter) (?:of )?(?:19|20)\d\d\b|"
                      # a time to come: "in 3 years' time", "within six months", "next year"
                      rf"\bin\s+(?:\d+|{_SMALL}|a)\s+(?:days?|weeks?|months?|years?)['’]?s?\s+time\b|"
                      rf"\bwithin\s+(?:\d+|{_SMALL}|a)\s+(?:days?|weeks?|months?|years?)\b|"
                      rf"\b(?:within|in|over)\s+the\s+(?:next|coming)\s+(?:\d+\s+|(?:{_SMALL}|few|couple of)\s+)?"
                      r"(?:days?|weeks?|months?|years?)\b|"
                      r"\bnext (?:year|month|week|spring|summer|autumn|winter)\b", re.I)

# "When will / would / does ...?" asks when something happens, which a condition may answer ("only if requested",
# "once the report is published"); "when was / did ...?" asks when it happened
_WHEN_WILL = re.compile(r"\bwhen (?:will|would|does|do|can|could|should|might|may)\b", re.I)
# Years that are part of a document's, programme's or law's name: "Annual Report 2024-2025", "Winter Plan 2020-21",
# "the Care Act 2014"
_NAMED_YEARS = re.compile(r"\b(?:Report|Plan|Strategy|Account|Review|Statement|Framework|Programme|Budget|Accounts|Act)"
                          r"\s+(?:19|20)\d\d(?:\s*[-/–]\s*(?:19|20)?\d\d)?\b")
# ... or by a season to come ("in the spring", "by the end of the summer", "early next winter")
_SEASON_TO_COME = re.compile(r"\b(?:in|by|during|over|from|until|early|late|(?:the )?end of)\s+(?:the\s+|next\s+)?"
                             r"(?:spring|summer|autumn|winter)\b", re.I)
_ON_CONDITION = re.compile(r"\b(?:only (?:if|when|after|once)|if (?:requested|asked|needed|required)|"
                           r"as soon as|once (?:the|a|an|it|they|we)|upon (?:request|receipt))\b", re.I)
# "On what date ...?", "what was the date of ...?": a day or month of a year, not "by the end of the month" or a
# year alone
_ON_A_DATE = re.compile(r"\b(?:what|which|exact) (?:dates?|days?)\b|\bthe dates?\b", re.I)
# ... and the days themselves ("on what dates ...?", "which days ...?"): a month alone does not say them
_ON_DAYS = re.compile(r"\b(?:what|which|exact) (?:dates|days)\b|\bon what dates?\b|\bexact date\b", re.I)
# a day of a month ("12 August", "August 12", "12/08/2025", "2025-08-12") ...
_DAY_IN = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b|"
                     r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d\d-\d\d\b", re.I)
# ... and the figures that are part of a date, not a count: a day of a month, an ISO date, a financial year, a year
# after a preposition
_DATE_SPAN = re.compile(rf"{_DAY_IN.pattern}|\b(?:19|20)\d\d[/-]\d\d(?:-\d\d)?\b|"
                        r"\b(?:in|since|from|by|during|until|before|after|of) (?:19|20)\d\d\b", re.I)
# ... or a month of a year ("August 2025")
_CALENDAR_IN = re.compile(rf"{_DAY_IN.pattern}|\b(?:{_MONTHS})\s+(?:19|20)\d\d\b", re.I)
_FREQUENCY_IN = re.compile(r"\b(?:daily|weekly|monthly|fortnightly|annually|yearly|quarterly|hourly|every|each|"
                           r"regular(?:ly)?|twice|once|times a|per (?:day|week|month|year)|routinely)\b", re.I)
_HONORIFICS = r"Dr|Mr|Mrs|Ms|Miss|Mx|Professor|Prof|Cllr|Councillor|Sir|Dame|Lord|Lady"
_TITLE = re.compile(rf"\b(?:{_HONORIFICS})\.? [A-Z]")
# Roles a person holds: "who is the Director of ...?" asks for the holder's name
_HELD_ROLES = r"Director|Chair|Chairman|Chairwoman|Chairperson|Head|Leader|Manager|Chief|Officer|Councillor|" \
              r"Commissioner|Cabinet Member|Portfolio Holder|Principal Social Worker"
# ... and the roles a quote may name as the doer of something ("led by the Director of Adults Services")
_ROLE = re.compile(rf"\b(?:{_HELD_ROLES}|Lead|Executive|Lead Member|Author)\b")
# whose role is asked: "Cllr Diana Tremayne's role", "Sandra's job title"
_WHOSE_ROLE = re.compile(r"((?:[A-Z][a-z]+\s+){0,3}[A-Z][a-z]+)['’]s?\s+(?:job title|job|role|position|post|title)\b")
# whose first name is asked: "Councillor Winnington's first name"
_WHOSE_NAME = re.compile(r"([A-Z][a-z]+)['’]s?\s+(?:first|full|given|christian) name\b")
_HONORIFIC = re.compile(_HONORIFICS)
# "who is (the | their | Walsall Council's) ...": a question after the holder of something
WHO_IS = r"^\s*(?:and\s+)?who(?:'s| is| was| are| were)\s+(?:the\s+|their\s+|its\s+|(?:[\w-]+\s+){0,3}?[\w-]+['’]s\s+)?"
# ... or "which councillor is named as leading the response?": a person who holds the role
_WHO_HOLDS = re.compile(rf"(?:{WHO_IS}(?:[\w-]+\s+){{0,2}}?|^\s*(?:and\s+)?(?:which|what)\s+(?:[\w-]+\s+){{0,1}}?)"
                        rf"(?:{_HELD_ROLES})s?\b", re.I)
_ROLE_WORD = re.compile(r"\b(?:senior |service |team |strategic |operational )?(?:leaders?|managers?|directors?|"
                        r"officers?|chairs?|councillors?|commissioners?|executives?|heads? of \w+)\b", re.I)
_PERCENT_IN = re.compile(r"%|\bper ?cent\b|\b(?:half|a third|two[- ]thirds|a quarter|three[- ]quarters|one in \w+|"
                         r"(?:\d+|two|three|four|five|six|seven|eight|nine) in (?:ten|10|five|5|four|4|three|3)\b"
                         r"(?!\s*(?:years?|months?|weeks?|days?|categor(?:y|ies)|areas?|statements?|domains?)))\b",
                         re.I)
# A rating or score told in prose: "The Local Authority rating had been 'Requires improvement'", "scored 56%",
# "ranked ... as performing 'well'", "rated Outstanding",
# "a score of 70 points", "the lowest rating of one out of four", "eight of nine areas showed some shortfalls"
_RATING_IN = re.compile(r"\b(?:rated|rating|ranked|graded|judged|scored|scoring|scores?|verdict)\b[^.]{0,80}?"
                        r"(?:\b(?:outstanding|good|requir(?:es|ing) improvement|inadequate|well|excellent\w*|"
                        r"adequate\w*|poor\w*|exceptional|(?:significant|some) shortfalls|"
                        r"(?:one|two|three|four) (?:out of|in) (?:four|4))\b|"
                        r"\b\d{1,3}\s*(?:%|per ?cent\b|points\b|out of))|"
                        r"\b(?:outstanding|requir(?:es|ing) improvement|inadequate)\b[^.]{0,30}\b"
                        r"(?:rated|rating)\b|"
                        # "received a good rating", "its ‘Good’ CQC rating", "a 'good' score of three": the word
                        # right before the rating, or a score out of four in words
                        r"\b(?:good|excellent|outstanding|inadequate)['’\"”]?\s+(?:(?:cqc|overall|ofsted)\s+)?"
                        r"(?:rating|grade|verdict|score)\b|\bscores? of (?:one|two|three|four|[1-4])\b(?!\s*(?:%|per))|"
                        # or in CQC's words for a score: "the CQC concluded that ‘evidence shows a good standard’ for
                        # the council’s adult social care service"
                        r"\bconclu\w+\W+(?:that\W+)?evidence shows (?:an? )?(?:good|exceptional) standard|"
                        r"\bconclu\w+\W+(?:that\W+)?evidence shows (?:some|significant) shortfalls|"
                        # or areas told by their score's words: "eight of nine areas showed some shortfalls"
                        r"\b(?:areas?|statements?|categories|domains?)\b[^.]{0,40}\b(?:significant|some) shortfalls\b|"
                        # or that it is not known yet: "We are awaiting our report ... and final rating"
                        r"\b(?:awaiting|await|yet to (?:receive|get|hear)|not yet (?:received|had|published))\b"
                        r"[^.]{0,60}\b(?:rating|result|report)\b", re.I)
# (a score, not a band's bounds: "63 to 87%", "38% or lower")
_POINTS_IN = re.compile(r"(?<!to )(?<![\d-])\b\d{1,3}\s*(?:%|per ?cent\b|points\b|out of 100\b)"
                        r"(?!\s*(?:or (?:lower|higher|less|more|above|below)|to \d))|"
                        r"\b(?:score|grade|mark) of\s+\d{2,3}\b|"
                        r"\bscored\s+\d{2,3}\b(?!\s*(?:out of [1-4]\b|/\s*4\b))", re.I)
_MONEY_IN = re.compile(r"£|\$|€|\bpounds?\b|\b(?:million|billion|bn)\b|\b\d+(?:\.\d+)?\s?[mk]\b", re.I)
_NUMBER = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|" \
          r"forty|fifty|hundred|thousand|a few|several|no)"
_TIMES_IN = re.compile(rf"\b{_NUMBER}\s+(?:more\s+)?(?:times|occasions|visits|meetings)\b|"
                       rf"\b{_NUMBER}\s+(?:a|per)\s+(?:day|week|month|year)\b", re.I)
_DURATION_IN = re.compile(rf"\b{_NUMBER}(?:\s+(?:and a half|or more|or fewer))?(?:\s+|-)(?:working\s+)?"
                          r"(?:weeks?|days?|months?|years?|hours?|minutes?)\b(?!\s+(?:of age|old)\b|-olds?\b)", re.I)
# an age around a figure: "at age 14", "aged 16", "until they were 25", "18 years of age", "65 and over"
_AGE_BEFORE = re.compile(r"\b(?:age[ds]?|until (?:they were|the person was))\s*$", re.I)
_AGE_AFTER = re.compile(r"\s*(?:years? (?:of age|old)|-year-olds?|and (?:over|older|above)|\+)", re.I)
# how long something has gone on, told by when it began: "since the start of the pandemic", "since 2019"
_SINCE_IN = re.compile(r"\bsince\s+(?:the\s+)?(?:start|beginning|outset|onset|launch|first)\b|"
                       rf"\bsince\s+(?:(?:early|late|mid)\s+)?(?:(?:{_MONTHS})\s+)?(?:19|20)\d\d\b", re.I)
_NO_WAIT_IN = re.compile(r"\bno (?:waits?|waiting(?: lists?)?|delays?)\b|\bimmediate(?:ly)?\b|\bsame day\b", re.I)


_SAYING = {"said", "say", "says", "told", "felt", "feel", "feels", "reported", "thought", "think", "agreed", "agree",
           "responded", "answered", "stated", "described"}
# What is counted, in the other words reports use for it ("how many councils": "twelve local authorities")
_COUNTED_ALIKE = {"council": ("authority", "authorit", "borough"), "authorit": ("council",), "authority": ("council",)}
_PEOPLE = {"people", "peopl", "person", "resident", "adult", "carer", "staff", "user", "individual", "population"}


# Words of a question that say nothing of its subject: asking, shares, councils and the care they give
_NOT_SUBJECT = {"what", "which", "percentage", "percent", "proportion", "share", "rate", "many", "much", "number",
                "council", "councils", "authority", "borough", "county", "city", "adult", "adults", "social", "care",
                "cqc", "service", "services", "overall", "total", "current", "currently", "figure", "level", "per",
                "cent", "year", "were", "their", "there", "does", "have", "been", "being", "said", "according"}


def _near_words(text: str, m: re.Match[str], reach: int = 80) -> set[str]:
    """The roots of the words within `reach` characters of a match."""
    return {_root(w) for w in re.findall(r"[a-z]+", text[max(0, m.start() - reach):m.end() + reach].lower())}


def _subject_stems(text: str) -> set[str]:
    """The roots of the words of what a question asks a figure of ("what % of people supported by the council
    get direct payments?": people, support, direct, payment)."""
    return {_root(w) for w in re.findall(r"[a-z]+", text.lower())
            if len(w) > 3 and w not in _STOP and w not in _VERBS and _root(w) not in _NOT_SUBJECT_ROOTS}


def _root(word: str) -> str:
    """A word without its ending ("supported", "supporting", "supports": "support"; "scored", "score": "scor";
    "improvement", "improve": "improv")."""
    w = re.sub(r"(?<=\w{3})(?:ment|ing|ed|s)$", "", word.lower().replace("ies", "y"))
    return re.sub(r"(?<=\w{3})e$", "", w)


_NOT_SUBJECT_ROOTS = {_root(w) for w in _NOT_SUBJECT}
# Words of a date question that say what is dated only as a document ("what date is the page from?", "what date
# are its figures as of?"): any date of it answers
_DATE_WORDS = {_root(w) for w in ("date", "dates", "day", "days", "exact", "month", "year", "page", "figures",
                                  "article", "document", "item", "paper", "report", "stored", "held", "loaded",
                                  "anything", "itself", "give", "gives", "given", "say", "says")}
# A score asked as a percentage is a share of the same thing whatever its word ("what percentage did X get in its
# assessment?": "received a score of 59%")
_SCORE_ROOTS = {"scor", "rat", "grad", "band", "mark", "assess", "point", "threshold", "overall"}


def _stem(word: str) -> str:
    return re.sub(r"(?:ies|es|s)$", "", word.lower())


def has_expected(u: Understanding | Part | str | None, quote: str, common: frozenset[str]) -> bool:
    """Does the quote contain the kind of fact the question asks for? Figures and dates the question itself
    gives ("until they were 25", "in 2022/23") are not the answer to it."""
    kind = u.expects if isinstance(u, Understanding | Part) else u
    if kind is None:
        return True
    if isinstance(u, Understanding | Part):
        for given in set(re.findall(r"\d[\d,./-]*\d|\d", u.text)):
            quote = re.sub(rf"(?<![\d,.]){re.escape(given)}(?![\d,])", " ", quote)
    if kind == DATE:
        days = isinstance(u, Understanding | Part) and bool(_ON_DAYS.search(u.text))
        if days or (isinstance(u, Understanding | Part) and _ON_A_DATE.search(u.text)):
            # "on what dates": days of a month ("in August 2025" does not say which days); "what date": a calendar
            # date; either said of what is asked ("the CQC contacted the Council on 19 February 2024" dates no
            # onsite inspection)
            found = (_DAY_IN if days else _CALENDAR_IN).finditer(quote)
            # (a place's name is no subject: the page's dateline sits beside it)
            named = {_root(w) for w in re.findall(r"(?<=\s)[A-Z][a-z]+", u.text)}
            subject = _subject_stems(u.text) - _DATE_WORDS - named
            return any(not subject or subject & _near_words(quote, m, 120) for m in found)
        if isinstance(u, Understanding | Part) and re.match(r"\s*(?:and\s+|so\s+)?when\b", u.text, re.I):
            # "when did the committee meet?": the years in a document's name ("Annual Report 2024-25") date no event
            quote = _NAMED_YEARS.sub(" ", quote)
        if isinstance(u, Understanding | Part) and _WHEN_WILL.search(u.text) and (
                _ON_CONDITION.search(quote) or _SEASON_TO_COME.search(quote)):
            # "when will the CQC inspect safeguarding?": "only if requested by the Secretary of State"; "when will
            # the council publish its plan?": "in the spring"
            return True
        return bool(_DATE_IN.search(quote))
    if kind == PERCENT:
        # a share of what the question asks about ("what % of people get direct payments?": "12 percent of
        # supported individuals were receiving direct payments"), not a share of something else ("a score of 64
        # per cent")
        subject = _subject_stems(u.search_text) if isinstance(u, Understanding | Part) else set()
        for m in _PERCENT_IN.finditer(quote):
            near = _near_words(quote, m)
            if not subject or subject & near or (subject & _SCORE_ROOTS and near & _SCORE_ROOTS):
                return True
        return False
    if kind == RATING:
        if not _RATING_IN.search(quote):
            return False
        value = u.score_value if isinstance(u, Understanding | Part) else None
        # "which areas did it only get a 2 in?": a rating of that score ("scores of two in four categories"), not
        # of another ("a 'good' score of three in five")
        return value is None or bool(told_score(value).search(quote))
    if kind == POINTS:  # points out of 100 said of a score ("scored 56%", "a grade of 62"), not any percentage
        return any(_near_words(quote, m) & _SCORE_ROOTS for m in _POINTS_IN.finditer(quote))
    if kind == MONEY:
        return bool(_MONEY_IN.search(quote))
    if kind == CHANGE:
        return bool(_MONEY_IN.search(quote) or _PERCENT_IN.search(quote) or re.search(r"\d", quote))
    if kind == DURATION:
        return bool(_DURATION_IN.search(quote) or _NO_WAIT_IN.search(quote) or _SINCE_IN.search(quote))
    if kind == COUNT:  # a figure near what is counted: "12 care homes", "AMHPs ... from 2 to 4", "12.9% of"
        counted = [_stem(w) for w in (u.counted if isinstance(u, Understanding | Part) else ()) if len(w) > 2]
        counted += [alike for c in counted for alike in _COUNTED_ALIKE.get(c, ())]
        dates = [d.span() for d in _DATE_SPAN.finditer(quote)]
        for m in re.finditer(rf"\d+(?:\.\d+)?%|\b{_NUMBER}\b", quote, re.I):
            if _AGE_BEFORE.search(quote[:m.start()]) or _AGE_AFTER.match(quote[m.end():]):
                continue  # an age ("supported at age 14", "14 years old"): how old, not how many
            if any(a <= m.start() and m.end() <= b for a, b in dates):
                continue  # a date ("published today (September 24)", "in 2024", "2022/23"): when, not how many
            near = [_stem(w) for w in re.findall(r"[a-z]+", quote[max(0, m.start() - 80):m.end() + 80].lower())]
            if "%" in m.group(0):  # a share is a count of people ("12.9% of the population"), not of things
                if not counted or set(counted) & _PEOPLE:
                    return True
            elif not counted or any(c in near for c in counted):
                return True
        return False
    if kind == FREQUENCY:
        # a frequency word, or a count of times ("met 3 times", "on four occasions"): not any figure ("arranged by
        # the four themes and nine quality statements" says nothing of how often it is reviewed)
        return bool(_FREQUENCY_IN.search(quote) or _TIMES_IN.search(quote))
    if kind == ROLE:  # a role said of the person asked about: "Debbie Young, Head of Quality and Performance"; a
        # councillor's title is none ("Councillor Ray Ballman said"), nor a role said of someone else nearby
        whose = _WHOSE_ROLE.search(u.text) if isinstance(u, Understanding | Part) else None
        named = [w for w in (whose.group(1).split() if whose else ()) if not _HONORIFIC.fullmatch(w)]
        for m in _ROLE.finditer(quote):
            if m.group(0) in ("Councillor", "Author"):
                continue
            near = quote[max(0, m.start() - 100):m.end() + 100]
            if not named or any(re.search(rf"\b{re.escape(w)}\b", near) for w in named):
                return True
        return False
    if kind == WHO and isinstance(u, Understanding | Part) and _WHO_HOLDS.search(u.text):
        kind = NAME  # "who is the Director of ...?" names the role: only a person's name answers it
    if kind == WHO:  # "who chairs ...?": a person, the role that does it ("the Director of Adults Services",
        # "senior leaders within the service"), or a named body ("the Quality Assurance and Performance Group");
        # a meeting is chaired by a person, not by "the Croydon Council Cabinet"
        person = isinstance(u, Understanding | Part) and bool(_CHAIRED.search(u.text))
        if _ROLE.search(quote) or _ROLE_WORD.search(quote) or \
                any(len(re.findall(r"[A-Z]", m.group(0))) >= 2 and
                    not (person and {re.sub(r"['’]s$", "", w.lower()) for w in m.group(0).split()} &
                         (_NOT_NAMES | _BODIES))
                    for m in _PROPER_PHRASE.finditer(quote)):
            return True
        kind = NAME
    if kind == NAME:
        whose = _WHOSE_NAME.search(u.text) if isinstance(u, Understanding | Part) else None
        if whose:  # "what is Councillor Winnington's first name?": a name before the surname, not a title
            return bool(re.search(rf"\b(?!(?:{_HONORIFIC.pattern})\b)[A-Z][a-z]+\s+{re.escape(whose.group(1))}\b",
                                  quote))
        if isinstance(u, Understanding | Part) and _THING_NAME.search(u.text):
            # the name of a strategy, a service, a team: a capitalised title ("the Stronger Together Strategy")
            return any(len(re.findall(r"[A-Z]", m.group(0))) >= 2 for m in _PROPER_PHRASE.finditer(quote))
        if _TITLE.search(quote):
            return True
        # a person's name: two capitalised words in a row, neither an ordinary word of the reports nor a
        # word of organisation names
        for m in re.finditer(r"\b([A-Z][a-z]+)[ -]([A-Z][a-z]+)\b", quote):
            a, b = m.group(1).lower(), m.group(2).lower()
            if not ({a, b} & common) and not ({a, b} & (_NOT_NAMES | _BODIES)):
                return True
        return False
    return True


# The words of asking what is held ("do we hold any minutes ... in the system?"), and of any report's kind
_HOLDING = _STOP | _VERBS | _EVERY_REPORT | {
    "hold", "held", "holding", "got", "loaded", "indexed", "system", "index", "file", "anything", "something",
    "page", "pages", "document", "documents", "paper", "papers", "record", "records", "minutes", "item", "items",
    "copy", "copies", "version", "versions", "cqc", "assessment", "rating", "inspection", "plan", "plans",
    "meeting", "meetings", "committee", "cabinet", "news", "article", "story", "release", "press", "kind", "type",
    "actually", "currently", "still", "really", "available", "regarding", "concerning", "quality",
    "commission", "statement", "statements", "local", "council", "councils", "any", "some", "all", "every",
    "winter", "cover", "covers", "covered", "about", "system's", "apart", "other", "others", "else", "besides",
    "except", "more", "another", "title", "titles", "headline", "heading", "name", "named", "called", "decision",
    "decisions", "account", "report", "reports", "scrutiny", "panel", "board", "agenda", "strategy", "update"}


def holding_subject(text: str) -> str | None:
    """What a question about held reports is about, beyond holding them ("do we hold any minutes about getting
    ready for the CQC?": "getting ready"); None when it asks only whether they are held."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    kept = [w for w in words if w.lower().strip("'’") not in _HOLDING and
            re.sub(r"['’]s$", "", w.lower()) not in _HOLDING]
    return " ".join(kept) if kept else None


def common_words(texts: Iterable[str]) -> frozenset[str]:
    """Words the reports use in lower case somewhere: ordinary words, not names (a web or email address writes
    names in lower case: "democracy.thurrock.gov.uk")."""
    out: set[str] = set()
    for t in texts:
        out.update(re.findall(r"\b[a-z][a-z]+\b", _ADDRESS.sub(" ", t)))
    return frozenset(out)


_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:gov|org|co|ac|nhs)\.uk\S*", re.I)


# ------------------------------------------------------------------------------------ follow-ups

_FOLLOWUP = re.compile(r"^\s*(?:and what about|what about|how about|same for|and for|what of|also for|and on|and in|"
                       r"and the|ok and|okay and|and|so|anything(?: else)?(?: on| about| regarding| for)?|"
                       r"any (?:mention|word|news|info(?:rmation)?|details?)(?: of| on| about)?|what else|"
                       r"tell me more|more on)\b[\s,]*", re.I)
_VERSUS = re.compile(r"\b(?:better|worse|higher|lower|than|compare\w*|versus|vs|same as|ahead of|behind)\b", re.I)
_PRONOUN = re.compile(r"\b(?:they|them|their|theirs|it|its|this|that|these|those|there|he|she|his|her)\b", re.I)
# within one question, "there" points back to a place (the authority, already found), not to the earlier part's
# subject ("... in Calderdale, and what did the CQC find about safeguarding there?")
_BACK_TO_SUBJECT = re.compile(r"\b(?:they|them|their|theirs|it|its|this|that|these|those|he|she|his|her)\b", re.I)


# "the council" as a reference back, not the start of a description ("the council that scored 2")
_THE_COUNCIL = re.compile(r"\b(?:the|this|that) (?:council|authority)\b(?!\s*,?\s*(?:that|which|who|whose|where|with|"
                          r"rated|scored|in|of|for)\b)", re.I)


def resolve_followup(question: str, previous: str | None, reports: Mapping[str, Mapping[str, Any]] | Catalog,
                     common: frozenset[str] = frozenset()) -> str:
    """A follow-up in a conversation made into a whole question. "what about Camden?" after "what did
    Derbyshire score?" becomes "what did London Borough of Camden score?"; "and for assessing needs?" after
    "what did X score on safeguarding?" becomes "what did X score on assessing needs?"; a question leaning on
    the one before ("and what are they doing about it now?") is kept, with the earlier question after it as
    its context: "... (after “...”)". Anything else is returned as is."""
    if not previous:
        return question
    previous = _AFTER.sub("", previous)
    catalog = reports if isinstance(reports, Catalog) else Catalog.of(reports)
    m = _FOLLOWUP.match(question)
    rest = question[m.end():] if m else question
    now = [r for r in catalog.references(question, common) if r.how != "ambiguous" or len(r.authorities) <= 3]
    now_names = tuple(dict.fromkeys(a for r in now for a in r.authorities))
    content = [w for w in re.findall(r"[a-z]+", _without(question, now).lower()) if w not in _STOP
               and w not in ("same", "ok", "okay", "how", "about")]
    short = len(re.findall(r"\w+", question)) <= 5
    new_statement = statement_in(rest)
    if now_names and _VERSUS.search(question) and len(content) <= 3:  # "is that better than Redcar's?"
        return f"{previous.strip().rstrip('?')}, compared with {' and '.join(now_names)}?"
    # a short question of its own ("What did Camden score?" after a question about carers) asks its own thing:
    # only one whose few words the question before also used ("Camden's score?" after a score question) or
    # that says it follows on ("what about Camden?") takes the question before with another authority
    own = {_stem(w) for w in content} - {_stem(w) for w in re.findall(r"[a-z]+", previous.lower())}
    if (m or (short and not own)) and now_names and len(content) <= 2:
        before = catalog.references(previous, common)
        combined = previous
        for r in sorted(before, key=lambda r: -r.start):
            if r.authorities:
                combined = combined[:r.start] + " and ".join(now_names) + combined[r.end:]
        if combined == previous:  # the first question named nobody: add the new authorities
            combined = f"{previous.rstrip(' ?')} for {' and '.join(now_names)}?"
        return " ".join(combined.split())
    old_statement = statement_in(previous)
    if (m or short) and new_statement and old_statement and new_statement != old_statement and len(content) <= 4:
        old = _statement_phrase(previous)
        if old:
            return " ".join((previous[:old[0]] + rest.strip(" ?") + previous[old[1]:]).split())
    says_little = len([w for w in content if w not in _VERBS]) <= 3 and not new_statement
    # (a question about councils is a new one, "the council" alone points back: "did the council agree with it?")
    if (m or _PRONOUN.search(question) or says_little) and not now and \
            not re.search(r"\b(?:council|authority)\b", _THE_COUNCIL.sub(" ", question), re.I):
        return f"{question.strip()} (after “{previous.strip()}”)"
    return question


# A pronoun or "the council" standing for the authorities of the conversation
_THEM = re.compile(r"\b(?:they|them|it|the council|the authority|the borough|the county)\b", re.I)
# ... unless it asks what a rating would have taken ("what would it have needed to be rated good?": the threshold)
_HYPOTHETICAL = re.compile(r"\b(?:need(?:ed|s)?|would|could|threshold|benchmark|short of|away from|close to)\b",
                           re.I)


def _as_asked_of_them(p: Part) -> Part:
    """A part the rules left to passages, read again with the authorities of the conversation in place of its
    pronoun: a score question if it then reads as one."""
    if p.intent != PASSAGES or p.rule is not None or not _THEM.search(p.text) or _HYPOTHETICAL.search(p.text):
        return p
    intent, rule = decide(_THEM.sub("AUTH", p.text, count=1))
    if intent not in SCORE_INTENTS:
        return p
    return replace(p, intent=intent, rule=f"{rule}, of the authorities asked about before", expects=None)


def _without(text: str, refs: list[Reference]) -> str:
    for r in sorted(refs, key=lambda r: -r.start):
        text = text[:r.start] + " " + text[r.end:] if r.end <= len(text) else text
    return text


def _statement_phrase(text: str) -> tuple[int, int] | None:
    """Where a question names its quality statement (the words statement_in found)."""
    from .cqc import _IN_QUESTION_RE

    for _, pattern in _IN_QUESTION_RE:
        m = pattern.search(text.replace("’", "'"))
        if m:
            return m.span()
    return None


def authority_aliases(authority: str) -> list[str]:
    """Ways a question may name an authority: its full name and its distinctive words ("Camden")."""
    core = core_name(authority)
    return [a for a in {authority.lower(), core.lower()} if a]


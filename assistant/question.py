"""Understanding a question: which authorities it means, whether it asks for a score or a comparison, and
what kind of fact would answer it (a name, a date, a number, a frequency).

Everything here is general English question structure plus the index's own metadata (authority names,
quality statements, scores); nothing is keyed to particular questions.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .metadata import CQC_ASSESSMENT, QUALITY_STATEMENTS

# Words that make up council names but do not tell one council from another.
_GENERIC_NAME_WORDS = {"london", "borough", "of", "county", "city", "council", "district", "metropolitan", "royal",
                       "the", "and", "unitary", "authority"}

# What a score is called in questions.
_SCORE_WORDS = re.compile(r"\b(scores?|scored|scoring|ratings?|rated|verdict|grades?|graded|judge?ments?|"
                          r"descriptor|evidence shows)\b", re.I)
_RATING_WORDS = {"exceptional": 4, "outstanding": 4, "good": 3}
# Phrases that point at an authority by its score: "the exceptional-rated council", "the borough that got a 4".
_SCORE_REFS = [
    re.compile(r"\b(?P<word>exceptional|outstanding|good)[- ](?:rated|scoring|scored|graded)\b", re.I),
    re.compile(r"\brated (?:as )?(?P<word>exceptional|outstanding|good)\b", re.I),
    re.compile(r"\b(?P<word>exceptional)(?: standard)?\b", re.I),
    re.compile(r"\b(?:got|gets|scored|scores|received|was given|given|awarded|with|has|had|achieved|rated)"
               r"(?: an?)?(?: score(?: of)?)? (?P<n>[1-4])\b(?!\s*(?:%|percent|weeks?|days?|months?|years?))", re.I),
    re.compile(r"\b(?P<n>[1-4])[- ](?:rated|scoring|scored)\b", re.I),
    re.compile(r"\bscore of (?P<n>[1-4])\b", re.I),
]
_MEANING = re.compile(r"\b(?:what (?:does|do|would|is) (?:an? |the )?(?:score (?:of )?)?(?P<n1>[1-4]) "
                      r"(?:mean|signify|stand for|indicate)|meaning of (?:an? |the )?(?:score (?:of )?)?(?P<n2>[1-4]))",
                      re.I)
_COMPARE_SCORES = re.compile(r"\b(higher|highest|lower|lowest|better|best|worse|worst|compare[sd]?|comparison|"
                             r"difference|differ|versus|vs)\b", re.I)
_LIST = re.compile(r"\b(list|all (?:the )?scores|every|scores (?:we|do we|are) (?:hold|have)|what scores|"
                   r"which scores)\b", re.I)
_OVERALL = re.compile(r"\boverall\b", re.I)
_PAST = re.compile(r"\b(previous(?:ly)?|earlier|older|prior|last time|history|historic(?:al)?|changed?|"
                   r"improved?|worsened|superseded|used to|over time|since the last)\b", re.I)
_COMPARISON = re.compile(r"\b(compare[sd]?|comparison|comparing|versus|vs\.?|differ(?:s|ence|ences)?|both|"
                         r"each (?:council|authority|borough)|(?:two|the two|2) (?:councils|authorities|boroughs|"
                         r"reports|areas|local authorities|las))\b", re.I)
# Council names in the text of a question: "Kent County Council", "London Borough of Hackney".
_COUNCIL_NAME = re.compile(r"\b(?:London Borough of [A-Z][a-z]+(?: [A-Z][a-z]+)*|"
                           r"[A-Z][a-z]+(?: [A-Z][a-z]+)* (?:County|City|Borough|District) Council)\b")

NAME, DATE, COUNT, PERCENT, DURATION, MONEY, FREQUENCY = "name", "date", "count", "percent", "duration", \
    "money", "frequency"
_EXPECTS = [
    # a person's name: "the name of ...", or "who" asking after a person's role ("who chairs the board?",
    # "who is the director of public health?"); "who runs the helpline?" may be an organisation, so no
    # expectation there
    (NAME, re.compile(r"\bname of\b|\b(?:what|which) (?:is|was) (?:the |their |its )?name\b|"
                      r"^\s*who\b(?=.*\b(?:director|chairs?|chaired|chairman|chairwoman|chairperson|head|heads|leader|"
                      r"manager|chief|councillor|officer|commissioner|minister|executive|mayor|principal "
                      r"social worker)\b)", re.I)),
    (DATE, re.compile(r"^\s*when (?:is|was|were|did|does|do|will|has|have|are|can|should)\b|\b(?:what|which) "
                      r"(?:date|year|month|day)\b|\bby when\b|\bwhat time\b", re.I)),
    (FREQUENCY, re.compile(r"\bhow (?:often|regularly|frequently)\b|\bfrequency\b", re.I)),
    (PERCENT, re.compile(r"\b(?:what|which) (?:proportion|percentage|percent|share|fraction)\b|"
                         r"\bhow many (?:per ?cent|percent)\b|\bpercentage\b", re.I)),
    (MONEY, re.compile(r"\bhow much (?:money|funding|did|does|was|is|will)\b|\bbudget\b|"
                       r"\bhow much\b.*\b(?:cost|spen[dt]|fund(?:ing|ed)?|paid|pay)\b", re.I)),
    (DURATION, re.compile(r"\bhow long\b|\b(?:waiting|wait|waits) times?\b|\b(?:weeks|days|months|hours)\b", re.I)),
    (COUNT, re.compile(r"\bhow many\b|\b(?:what|which) number\b|\bnumber of\b", re.I)),
]
# Words of organisations and documents: a capitalised pair of these is not a person's name.
_NOT_NAMES = {"council", "councils", "board", "team", "trust", "association", "service", "services", "group", "unit",
              "hub", "fund", "framework", "programme", "plan", "act", "england", "commission", "college", "colleges",
              "royal", "health", "care", "centre", "centres", "partnership", "forum", "network", "panel", "cell",
              "county", "city", "borough", "district", "authority", "department", "office", "agency", "nhs"}


@dataclass(frozen=True)
class Understanding:
    text: str
    search_text: str  # what to search for: the question without phrases that only point at an authority
    authorities: tuple[str, ...]  # authority names, as in the metadata, the question refers to
    unknown_authorities: tuple[str, ...]  # council names in the question that no report covers
    statement: str | None  # a CQC quality statement the question names
    score_kind: str | None  # None, or: "lookup" | "meaning" | "compare" | "list" | "overall"
    score_value: int | None  # the score a "meaning" question asks about
    comparison: bool  # asks to compare authorities (or reports)
    expects: str | None  # NAME | DATE | COUNT | PERCENT | DURATION | MONEY | FREQUENCY: the fact that answers
    counted: tuple[str, ...] = ()  # for COUNT: the words of what is counted ("how many care homes")
    about_past: bool = False  # asks about earlier versions ("previous", "changed", ...)
    missing_document: str | None = None  # "winter plan" asked of an authority that has none indexed


def authority_aliases(authority: str) -> list[str]:
    """Ways a question may name an authority: its full name and its distinctive words ("Camden")."""
    core = " ".join(w for w in re.findall(r"[\w'-]+", authority) if w.lower() not in _GENERIC_NAME_WORDS)
    return [a for a in {authority.lower(), core.lower()} if a]


def _statement_in(text: str) -> str | None:
    low = text.lower()
    for s in QUALITY_STATEMENTS:
        words = re.findall(r"[a-z]+", s.lower())
        keys = {s.lower(), " ".join(words[:2])} if len(words) > 1 else {s.lower()}
        if any(re.search(r"\b" + re.escape(k) + r"\b", low) for k in keys):
            return s
    return None


@dataclass(frozen=True)
class Catalog:
    """What questions are read against, computed once per index: authority names and their aliases in one
    pattern, who holds each score, and report titles. `updated` makes the next index's catalogue from the
    reports that changed, so an index swap after an add does not go over every report again."""

    authorities: tuple[str, ...]
    alias_pattern: re.Pattern | None
    alias_owner: dict[str, str]
    holders: dict[int, tuple[str, ...]]
    titles: tuple[tuple[str, str | None], ...]  # (lower-case title, authority)
    # what they are made from: reports per authority, current CQC reports per (score, authority), and titles
    counts: Counter = field(default_factory=Counter, repr=False, compare=False)
    held: dict[int, Counter] = field(default_factory=dict, repr=False, compare=False)
    title_of: dict[str, tuple[str, str | None]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, reports: Mapping[str, Mapping[str, Any]]) -> Catalog:
        return cls((), None, {}, {}, ()).updated({}, reports)

    def updated(self, before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]) -> Catalog:
        """This catalogue with the reports in `before` (their metadata as it was here) replaced by those in
        `after` (as they are now; a report in `before` only was removed)."""
        counts, title_of = Counter(self.counts), dict(self.title_of)
        held = {n: Counter(c) for n, c in self.held.items()}
        for sign, reports in ((-1, before), (1, after)):
            for doc, md in reports.items():
                if md.get("authority"):
                    counts[md["authority"]] += sign
                for n in _scores_held(md):
                    held.setdefault(n, Counter())[md["authority"]] += sign
                if sign > 0:
                    title_of[doc] = ((md.get("title") or "").lower(), md.get("authority"))
                else:
                    title_of.pop(doc, None)
        counts = +counts
        held = {n: +c for n, c in held.items() if +c}
        authorities = tuple(sorted(counts))
        pattern, owner = _alias_pattern(authorities)
        return Catalog(authorities, pattern, owner, {n: tuple(sorted(c)) for n, c in held.items()},
                       tuple(title_of.values()), counts, held, title_of)


def _scores_held(md: Mapping[str, Any]) -> set[int]:
    """The scores a report stands for in `holders`: its own and its statements', if it is a current CQC one."""
    if not (md.get("authority") and md.get("kind") == CQC_ASSESSMENT and not md.get("superseded_by")):
        return set()
    return {int(n) for n in {md.get("score"), *(e.get("score") for e in md.get("scores") or ())} if n is not None}


@functools.lru_cache(maxsize=4)
def _alias_pattern(authorities: tuple[str, ...]) -> tuple[re.Pattern | None, dict[str, str]]:
    """The regular expression finding any authority's name or alias, and alias -> authority. Cached: an
    index swap after an add rarely changes the authorities, and compiling it is most of building a Catalog."""
    owner = {alias: a for a in authorities for alias in authority_aliases(a)}
    if not owner:
        return None, owner
    alts = "|".join(re.escape(a) for a in sorted(owner, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(" + alts + r")(?:'s|’s|s')?(?![\w-])", re.I), owner


def understand(question: str, reports: Mapping[str, Mapping[str, Any]] | Catalog) -> Understanding:
    """Read a (cleaned) question against the indexed reports ({doc: metadata dict}, or their Catalog)."""
    catalog = reports if isinstance(reports, Catalog) else Catalog.of(reports)
    text = question
    authorities = catalog.authorities
    found: list[tuple[int, str]] = []
    if catalog.alias_pattern is not None:
        for m in catalog.alias_pattern.finditer(text):
            found.append((m.start(), catalog.alias_owner[m.group(1).lower()]))

    # References by score ("the exceptional-rated council") point at the authorities holding that score.
    rest = text
    for pattern in _SCORE_REFS:
        for m in list(pattern.finditer(rest)):
            n = int(m.group("n")) if "n" in pattern.groupindex and m.group("n") else \
                _RATING_WORDS[m.group("word").lower()]
            if _MEANING.search(text):
                continue
            holders = catalog.holders.get(n, ())
            for a in holders:
                found.append((m.start(), a))
            if holders:
                rest = rest.replace(m.group(0), " ")
    named = tuple(dict.fromkeys(a for _, a in sorted(found)))

    unknown = tuple(n for n in dict.fromkeys(_COUNCIL_NAME.findall(question))
                    if not any(n.lower() == a.lower() or a.lower() in n.lower() or n.lower() in a.lower()
                               for a in authorities))

    meaning = _MEANING.search(text)
    score_kind: str | None = None
    score_value = None
    if meaning:
        score_kind, score_value = "meaning", int(meaning.group("n1") or meaning.group("n2"))
    elif _SCORE_WORDS.search(rest) or (named and not _content_left(rest, named)):
        if _OVERALL.search(text):
            score_kind = "overall"
        elif _COMPARE_SCORES.search(text) or len(named) > 1:
            score_kind = "compare"
        elif _LIST.search(text) or not named:
            score_kind = "list"
        else:
            score_kind = "lookup"

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
            counted = tuple(words)
    comparison = bool(_COMPARISON.search(text)) or len(named) > 1
    search_text = " ".join(rest.split()) or text
    return Understanding(text, search_text, named, unknown, _statement_in(text), score_kind, score_value, comparison,
                         expects, counted, bool(_PAST.search(text)), _missing_document(text, named, catalog))


_VERBS = {"does", "do", "did", "are", "were", "is", "was", "have", "has", "had", "will", "would", "can", "could",
          "in", "at", "for", "of", "on", "by", "with", "across"}


def _missing_document(text: str, named: tuple[str, ...], catalog: Catalog) -> str | None:
    """A kind of document ("winter plan") asked of a named authority that has none indexed, while another
    authority's report of that kind is: the question is about a report we do not hold."""
    for m in re.finditer(r"\b([a-z]+ (?:plan|strategy|report|assessment))\b", text, re.I):
        phrase = m.group(1).lower()
        titled = [a for title, a in catalog.titles if phrase in title]
        if titled and named and not any(a in named for a in titled):
            return phrase
    return None


_STOP = {"what", "which", "who", "how", "did", "does", "do", "is", "was", "the", "a", "an", "of", "in", "on", "for",
         "to", "and", "or", "authority", "authorities", "council", "councils", "borough", "boroughs", "la", "that",
         "get", "got", "one", "cqc", "s", "it", "its", "their", "they", "we", "our"}


def _content_left(rest: str, named: Iterable[str]) -> bool:
    """Does the question say anything beyond naming an authority ("which council scored 4?" does not)?"""
    low = rest.lower()
    for a in named:
        for alias in authority_aliases(a):
            low = low.replace(alias, " ")
    return any(w not in _STOP for w in re.findall(r"[a-z]+", low))


# ------------------------------------------------------------------------------------ answer types

_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_DATE_IN = re.compile(rf"\b(?:{_MONTHS}|(?:19|20)\d\d|spring|summer|autumn|winter|\d{{1,2}}(?:st|nd|rd|th)|"
                      r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.I)
_NUMBER_IN = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                        r"thirty|forty|fifty|hundred|thousand|half|dozen|single|no)\b", re.I)
_FREQUENCY_IN = re.compile(r"\b(?:daily|weekly|monthly|fortnightly|annually|yearly|quarterly|hourly|every|each|"
                           r"regular(?:ly)?|twice|once|times a|per (?:day|week|month|year)|routinely)\b", re.I)
_TITLE = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Professor|Prof|Cllr|Councillor|Sir|Dame|Lord|Lady)\.? [A-Z]")


_PERCENT_IN = re.compile(r"%|\bper ?cent\b|\b(?:half|third|quarter|majority|minority|most|all|none)\b", re.I)
_MONEY_IN = re.compile(r"£|\$|€|\bpounds?\b|\b(?:million|billion|bn|m)\b|\b\d+k\b", re.I)
_NUMBER = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|" \
          r"forty|fifty|hundred|thousand|a few|several|no)"
_DURATION_IN = re.compile(rf"\b{_NUMBER}(?:\s+(?:and a half|or more|or fewer))?\s+(?:working\s+)?"
                          r"(?:weeks?|days?|months?|years?|hours?|minutes?)\b", re.I)

_NO_WAIT_IN = re.compile(r"\bno (?:waits?|waiting(?: lists?)?|delays?)\b|\bimmediate(?:ly)?\b|\bsame day\b", re.I)


def _stem(word: str) -> str:
    return re.sub(r"(?:ies|es|s)$", "", word.lower())


def has_expected(u: Understanding | str | None, quote: str, common: frozenset[str]) -> bool:
    """Does the quote contain the kind of fact the question asks for?"""
    kind = u.expects if isinstance(u, Understanding) else u
    if kind is None:
        return True
    if kind == DATE:
        return bool(_DATE_IN.search(quote))
    if kind == PERCENT:
        return bool(_PERCENT_IN.search(quote))
    if kind == MONEY:
        return bool(_MONEY_IN.search(quote))
    if kind == DURATION:
        return bool(_DURATION_IN.search(quote) or _NO_WAIT_IN.search(quote))
    if kind == COUNT:
        counted = [_stem(w) for w in (u.counted if isinstance(u, Understanding) else ())]
        for m in re.finditer(rf"\b{_NUMBER}\b", quote, re.I):
            if not counted:
                return True
            after = [_stem(w) for w in re.findall(r"[a-z]+", quote[m.end():m.end() + 60].lower())[:4]]
            if any(c in after for c in counted):
                return True
        return False
    if kind == FREQUENCY:
        return bool(_FREQUENCY_IN.search(quote) or _NUMBER_IN.search(quote))
    if kind == NAME:
        if _TITLE.search(quote):
            return True
        # a person's name: two capitalised words in a row, neither an ordinary word of the reports nor a
        # word of organisation names
        for m in re.finditer(r"\b([A-Z][a-z]+)[ -]([A-Z][a-z]+)\b", quote):
            a, b = m.group(1).lower(), m.group(2).lower()
            if not ({a, b} & common) and not ({a, b} & _NOT_NAMES):
                return True
        return False
    return True


def common_words(texts: Iterable[str]) -> frozenset[str]:
    """Words the reports use in lower case somewhere: ordinary words, not names."""
    out: set[str] = set()
    for t in texts:
        out.update(re.findall(r"\b[a-z][a-z]+\b", t))
    return frozenset(out)



_FOLLOWUP = re.compile(r"^\s*(?:and|what about|how about|same for|and for|what of|and what about|also for)\b[\s,]*",
                       re.I)


def resolve_followup(question: str, previous: str | None,
                     reports: Mapping[str, Mapping[str, Any]] | Catalog) -> str:
    """A follow-up in a conversation made into a whole question: "what about Camden?" after "what did
    Derbyshire score?" becomes "what did London Borough of Camden score?". Anything else is returned as is."""
    if not previous:
        return question
    m = _FOLLOWUP.match(question)
    now = understand(question, reports)
    short = len(re.findall(r"\w+", question)) <= 4
    if not m and not (short and now.authorities and not _content_left(now.search_text, now.authorities)):
        return question
    before = understand(previous, reports)
    rest = question[m.end():] if m else question
    if now.authorities:
        combined = previous
        for a in before.authorities:
            for alias in sorted(authority_aliases(a), key=len, reverse=True):
                combined = re.sub(r"(?<![\w-])" + re.escape(alias) + r"(?:'s|’s)?(?![\w-])", " ".join(now.authorities),
                                  combined, flags=re.I)
        if combined == previous:  # the first question named nobody: add the new authorities
            combined = f"{previous.rstrip(' ?')} for {' and '.join(now.authorities)}?"
        return " ".join(combined.split())
    return f"{previous.rstrip(' ?')} {rest.strip()}".strip()

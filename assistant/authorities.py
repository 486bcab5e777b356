"""Which authorities a question means: those the reports cover, named by name, short name, possessive or with
a typo ("camdn"); councils no report covers ("Manchester", "Derbyshire Dales District Council"), found in a
list of every English council; and authorities described rather than named: by kind ("the county", "the
London borough"), by score or rating ("the council that scored 4", "the better-scoring council", "the one
rated outstanding"), by a document ("the council with the winter plan") or by a fact only its report states
("the council that works with its neighbouring boroughs on quality assurance", resolved by searching for it).

Everything here is read against the index's own metadata (a `Catalog`) and the list of councils in
`data/english_councils.csv`; nothing is keyed to particular questions.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .councils import AMBIGUOUS_SHORT, EVERYDAY_WORDS, Council, english_councils
from .cqc import OVERALL_RATINGS, SCORE_WORDS, statement_in
from .fuzzy import close, distance

CQC_KIND = "CQC assessment"  # metadata.CQC_ASSESSMENT, without importing the metadata stage

# Words of council names that do not tell one council from another.
GENERIC_NAME_WORDS = {"london", "borough", "of", "county", "city", "council", "district", "metropolitan", "royal",
                      "the", "and", "unitary", "authority", "corporation"}


# A word of a name, or "&" ("Bath & North East Somerset", "Hammersmith & Fulham": read as "and")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*|&")


def _tokens(text: str) -> list[str]:
    return [_norm(t) for t in _WORD.findall(text)]


def _norm(token: str) -> str:
    t = "and" if token == "&" else token.lower().replace("’", "'")
    return re.sub(r"(?:'s|s')$", "", t).strip("'-")


_PREFIX = re.compile(r"^(?:the\s+)?(?:(?:London|Royal)\s+Borough\s+of|City\s+(?:and\s+County\s+)?of|County\s+of|"
                     r"Borough\s+of|Council\s+of(?:\s+the)?)\s+", re.I)
_SUFFIX = re.compile(r"\s+(?:(?:County|City|Borough|District|Metropolitan(?:\s+Borough|\s+District)?)\s+)*"
                     r"(?:Council|Corporation|Authority)$", re.I)


def core_name(authority: str) -> str:
    """An authority's distinctive words: "London Borough of Camden" -> "Camden", "Redcar and Cleveland Borough
    Council" -> "Redcar and Cleveland", "Council of the Isles of Scilly" -> "Isles of Scilly"."""
    return _SUFFIX.sub("", _PREFIX.sub("", authority.strip())).strip()


def council_type(authority: str) -> str | None:
    """county | district | metropolitan | unitary | london | other, from the list of councils or the name."""
    key = core_name(authority).lower()
    for c in english_councils():
        if c.name.lower() == authority.lower() or (key and c.short.lower() == key):
            return c.type
    low = authority.lower()
    for word, kind in (("london borough", "london"), ("county council", "county"), ("metropolitan", "metropolitan"),
                       ("district council", "district")):
        if word in low:
            return kind
    return None


# Words of a description that say which kind of council ("the county", "the London borough").
_TYPE_WORDS: dict[str, Callable[[str, str | None], bool]] = {
    "county": lambda name, t: t == "county" or "county council" in name.lower(),
    "shire": lambda name, t: t == "county" or "county council" in name.lower(),
    "london": lambda name, t: t == "london" or "london borough" in name.lower(),
    "borough": lambda name, t: t in ("london", "metropolitan") or "borough" in name.lower(),
    "city": lambda name, t: "city" in name.lower(),
    "metropolitan": lambda name, t: t == "metropolitan",
    "district": lambda name, t: t == "district",
    "unitary": lambda name, t: t == "unitary",
}


@dataclass(frozen=True)
class Reference:
    """A place in the question that points at authorities."""

    start: int
    end: int
    authorities: tuple[str, ...]  # the covered authorities it means (empty for an unknown council)
    how: str  # name | typo | unknown | place | kind | score | rating | document | content | ambiguous
    unknown: str | None = None  # the council's name, when no report covers it


# ------------------------------------------------------------------------------------------ the catalogue

@dataclass(frozen=True)
class Catalog:
    """What questions are read against, from the reports' metadata: the authorities covered and their names,
    who holds each score for each quality statement, overall ratings, report titles and kinds. Built from
    counts so that `updated` makes the next index's catalogue from the reports an add touched alone."""

    authorities: tuple[str, ...] = ()
    kinds_of: dict[str, str | None] = field(default_factory=dict)  # authority -> council type
    scores: dict[tuple[str, str | None], int] = field(default_factory=dict)  # (authority, statement) -> score
    ratings: dict[str, str] = field(default_factory=dict)  # authority -> overall rating
    points: dict[str, int] = field(default_factory=dict)  # authority -> overall points out of 100
    titles: tuple[tuple[str, str | None, str | None], ...] = ()  # (lower-case title, authority, kind)
    # what they are made from: reports per authority, current CQC scores and ratings held, titles
    counts: Counter = field(default_factory=Counter, repr=False, compare=False)
    scored: Counter = field(default_factory=Counter, repr=False, compare=False)
    rated: Counter = field(default_factory=Counter, repr=False, compare=False)
    pointed: Counter = field(default_factory=Counter, repr=False, compare=False)
    title_of: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict, repr=False,
                                                                    compare=False)

    @classmethod
    def of(cls, reports: Mapping[str, Mapping[str, Any]]) -> Catalog:
        return cls().updated({}, reports)

    def updated(self, before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]) -> Catalog:
        """This catalogue with the reports in `before` (their metadata as it was here) replaced by those in
        `after` (as they are now; a report in `before` only was removed)."""
        counts, scored, rated, pointed = Counter(self.counts), Counter(self.scored), Counter(self.rated), \
            Counter(self.pointed)
        title_of = dict(self.title_of)
        for sign, reports in ((-1, before), (1, after)):
            for doc, md in reports.items():
                a = md.get("authority")
                if a:
                    counts[a] += sign
                    for statement, n in _scores_held(md):
                        scored[(a, statement, n)] += sign
                    if md.get("overall_rating") and not md.get("superseded_by"):
                        rated[(a, md["overall_rating"])] += sign
                    if md.get("overall_points") is not None and not md.get("superseded_by"):
                        pointed[(a, md["overall_points"])] += sign
                if sign > 0:
                    title_of[doc] = ((md.get("title") or "").lower(), a, md.get("kind"))
                else:
                    title_of.pop(doc, None)
        counts, scored, rated, pointed = +counts, +scored, +rated, +pointed
        authorities = tuple(sorted(counts))
        scores: dict[tuple[str, str | None], int] = {}
        for (a, statement, n) in sorted(scored):
            scores[(a, statement)] = n
        ratings = {a: r for (a, r) in sorted(rated)}
        points = {a: n for (a, n) in sorted(pointed)}
        return Catalog(authorities, {a: council_type(a) for a in authorities}, scores, ratings, points,
                       tuple(title_of.values()), counts, scored, rated, pointed, title_of)

    # ---------------------------------------------------------------------------------------- lookups

    def holders(self, score: int | None = None, statement: str | None = None) -> tuple[str, ...]:
        """Authorities holding `score` (any, when None) for `statement` (any, when None)."""
        return tuple(sorted({a for (a, s), n in self.scores.items()
                             if (score is None or n == score) and (statement is None or s == statement)}))

    def extreme(self, best: bool, statement: str | None = None, among: Iterable[str] | None = None) -> tuple[str, ...]:
        """The authorities with the highest (or lowest) score for `statement`, or on average over their
        statements when none is named; several when level."""
        pool = set(among) if among is not None else None
        per: dict[str, list[int]] = {}
        for (a, s), n in self.scores.items():
            if (statement is None or s == statement) and (pool is None or a in pool):
                per.setdefault(a, []).append(n)
        if len(per) < 2:
            return ()
        value = {a: sum(v) / len(v) for a, v in per.items()}
        target = max(value.values()) if best else min(value.values())
        return tuple(sorted(a for a, v in value.items() if v == target))

    # ---------------------------------------------------------------------------------------- names

    def references(self, question: str, common: frozenset[str] = frozenset(),
                   search: Callable[[str], dict[str, float]] | None = None,
                   mentioned: Callable[[str], bool] | None = None) -> list[Reference]:
        """Every place the question points at an authority: by name (or a close misspelling of one), a
        council no report covers, or a description. `common`: words the reports use in lower case, which a
        council's one-word name must be capitalised to be taken for the council ("Reading", not "reading");
        `search`: for descriptions by a fact, the authorities whose reports state it, weighted; `mentioned`:
        whether the reports mention a name, so that an uncovered council's bare name the reports use as a
        place ("flooding in Chesterfield") is a "place", an unknown council only when asked about as one."""
        described = self._descriptions(question, search)
        # a name inside a description's clause describes ("the council that works with Derby City"): it is
        # part of the description, not a reference of its own
        refs = [r for r in self._names(question, common, mentioned)
                if not any(d.start <= r.start and r.end <= d.end for d in described)]
        taken = [(r.start, r.end) for r in refs]
        refs += [d for d in described if not any(a < d.end and d.start < b for a, b in taken)]
        return sorted(refs, key=lambda r: r.start)

    def _names(self, question: str, common: frozenset[str],
               mentioned: Callable[[str], bool] | None = None) -> list[Reference]:
        table = _alias_table(self.authorities)
        spans = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(question)]
        toks = [_norm(t) for _, _, t in spans]
        out: list[Reference] = []
        i = 0
        while i < len(toks):
            for n in range(min(6, len(toks) - i), 0, -1):
                key = tuple(toks[i:i + n])
                target = table.get(key)
                if target is None:
                    continue
                raw = spans[i][2]
                if n == 1 and (key[0] in common or key[0] in EVERYDAY_WORDS or
                               (key[0] in _ENGLISH and not isinstance(target, str))) and \
                        (not raw[:1].isupper() or i == 0):
                    # "reading", "bury": ordinary words unless written as names; "merton", "sutton" name a council
                    # the reports cover, in whatever case, unless the reports use them as words
                    continue
                start, end = spans[i][0], spans[i + n - 1][1]
                if isinstance(target, str):
                    out.append(Reference(start, end, (target,), "name"))
                else:
                    # a one-word name the reports use is a place ("flooding in Chesterfield"); a longer one ("South
                    # Gloucestershire") names the council, whatever words of it the reports use
                    place = n == 1 and mentioned is not None and mentioned(question[start:end])
                    out.append(Reference(start, end, (), "place" if place else "unknown", target.name))
                i += n - 1
                break
            else:
                if i + 2 < len(toks) and spans[i + 1][2] == "&" and spans[i][1] == spans[i + 1][0] and \
                        spans[i + 1][1] == spans[i + 2][0]:  # "H&F", "B&NES": initials joined by "&"
                    joined = re.sub(r"['’]s$", "", question[spans[i][0]:spans[i + 2][1]])  # ("W&F's")
                    acronym = _acronyms(self.authorities).get(joined.lower()) if joined.isupper() else None
                    if acronym:
                        out.append(Reference(spans[i][0], spans[i + 2][1], (acronym,), "name"))
                        i += 3
                        continue
                acronym = _acronyms(self.authorities).get(toks[i])
                raw = spans[i][2]
                if acronym and (len(raw) >= 4 or raw.isupper()) and toks[i] not in common and \
                        toks[i] not in _ENGLISH:  # "BANES", "RBWM", "WNC" (three letters only in capitals)
                    out.append(Reference(spans[i][0], spans[i][1], (acronym,), "name"))
                    i += 1
                    continue
                longer = self._typo_name(toks, i, common)
                if longer:
                    typo, n = longer
                    out.append(Reference(spans[i][0], spans[i + n - 1][1], (typo,), "typo"))
                    i += n - 1
                else:
                    typo = self._typo(toks[i], spans[i][2], common)
                    if typo:
                        out.append(Reference(spans[i][0], spans[i][1], (typo,), "typo"))
            i += 1
        return out

    def _typo_name(self, toks: list[str], i: int, common: frozenset[str]) -> tuple[str, int] | None:
        """A covered authority of a name of several words, one of them misspelt ("north somserset"): the
        authority and the number of words, the longest name first."""
        found: dict[int, set[str]] = {}
        for a in self.authorities:
            words = core_name(a).lower().split()
            n = len(words)
            if n < 2 or i + n > len(toks):
                continue
            pairs = list(zip(toks[i:i + n], words, strict=True))
            wrong = [(t, w) for t, w in pairs if t != w]
            if len(wrong) == 1 and all(self._misspells(t, w, common) for t, w in wrong):
                found.setdefault(n, set()).add(a)
        for n in sorted(found, reverse=True):
            if len(found[n]) == 1:
                return next(iter(found[n])), n
        return None

    @staticmethod
    def _misspells(token: str, word: str, common: frozenset[str]) -> bool:
        return len(word) >= 5 and token.isalpha() and token not in common and token[:1] == word[:1] and \
            close(token, word)

    def _typo(self, token: str, raw: str, common: frozenset[str]) -> str | None:
        """A covered authority this word misspells by a letter or two ("camdn", "gloucestershre")."""
        if len(token) < 5 or token in common or token in _ENGLISH or not token.isalpha():
            return None
        found = {(distance(token, w), a) for a in self.authorities for w in core_name(a).lower().split()
                 if self._misspells(token, w, common)}
        # the nearest, if one is nearer than the rest ("herefordshre": Herefordshire, not Hertfordshire)
        nearest = {a for d, a in found if d == min(d for d, _ in found)} if found else set()
        return next(iter(nearest)) if len(nearest) == 1 else None

    # ---------------------------------------------------------------------------------------- descriptions

    def _descriptions(self, question: str, search: Callable[[str], dict[str, float]] | None) -> list[Reference]:
        out = []
        for m in _DESCRIPTION.finditer(question):
            pre, head, post = (m.group("pre") or "").strip(), m.group("head"), m.group("post") or ""
            end = m.end() if post.strip() else m.end("head")
            trail = _TRAILING_VERB.search(post)
            if trail:
                post, end = post[:trail.start()], m.start("post") + trail.start()
            post = post.strip()
            if not pre and not post and head.lower() not in _TYPE_HEADS:
                continue  # "the council", "this authority": no description
            if pre and _alias_table(self.authorities).get(tuple(_tokens(f"{pre} {head}"))) is not None:
                # "the Cheshire East Council building based services decision", "the Worcester City Council winter
                # plan": a council's name (covered or not), not a description
                continue
            asked = _ASKED_RATING.search(post)
            if asked and _YES_NO.match(question) and re.match(r"\s*,?\s*(?:whose|that|which|who|where)\b", post, re.I):
                # "Was the county council whose director is Neil Bradley [rated outstanding by the CQC]?": the
                # rating is what is asked, not part of the description
                end -= len(post) - asked.start()
                post = post[:asked.start()]
            if post.lower().startswith("with"):  # "the council with the winter plan [get] for ...": a phrase
                verb = re.search(r"\s+(?:get|got|receive\w*|scor\w*|do|did|say\w*|rat\w*|ha(?:ve|s)|is|was)\b", post)
                if verb:
                    end -= len(post) - verb.start()
                    post = post[:verb.start()]
            found, how = self._describe(pre, head, post, question, search)
            if found is None:
                continue
            out.append(Reference(m.start(), end, found, how))
        return out

    def _describe(self, pre: str, head: str, post: str, question: str,
                  search: Callable[[str], dict[str, float]] | None) -> tuple[tuple[str, ...] | None, str]:
        """The authorities a description fits, and how it was told; None when it is no description at all."""
        words = f"{pre} {head}".lower()
        pool = set(self.authorities)
        how = "kind"
        told = False
        if search is not None:
            search = functools.lru_cache(maxsize=None)(search)  # a text searched once, however many steps ask
        # a figure only one authority's report states names it, whatever kind of council the question calls it
        # ("the borough where 41.2% of households are classed as deprived": a unitary council's report)
        rest = _content_of(post, None)
        if search is not None and _DESCRIBED_FIGURE.search(rest) and not _score_named(f"{pre} {post}") and \
                not _POINTS_NAMED.search(post):
            stating = {a for a, w in search(rest).items() if w >= STATES_FIGURE and a in pool}
            if len(stating) == 1:
                return tuple(stating), "content"
        for word, fits in _TYPE_WORDS.items():
            if re.search(rf"\b{word}\b", words) and not (word == "city" and "city of" in post.lower()):
                pool = {a for a in pool if fits(a, self.kinds_of.get(a))}
                told = True
        text = f"{pre} {post}"
        statement = statement_in(question)
        n = _score_named(text)
        if n is not None:
            held = set(self.holders(n, statement)) or (set(self.holders(n)) if not statement else set())
            if not held and search is not None:  # no score line holds it: the report telling it in words ("the
                held = _stating(search(text), pool)  # lowest rating of one out of four ... for eight of nine areas")
            pool &= held
            how, told = "score", True
        rating = _rating_named(text)
        if rating is not None:
            by_rating = {a for a, r in self.ratings.items() if r == rating}
            word_score = {"Outstanding": 4, "Good": 3}.get(rating)
            by_score = set(self.holders(word_score, statement)) if word_score else set()
            overall = re.search(r"\boverall\b", text, re.I)  # "rated good overall": the overall rating only
            pool &= by_rating if overall else by_rating | by_score
            how, told = "rating", True
        points = _POINTS_NAMED.search(text)
        if points:  # "the council that scored 75% overall", "whose adult social care scored 70 points"
            # a quality statement's percentage ("got 75% for safeguarding") is no overall score: only a report
            # stating it tells whose it is
            of_statement = statement_in(text) is not None
            held = set() if of_statement else \
                {a for a, n in self.points.items() if n == int(points.group(1) or points.group(2))}
            if not held and search is not None:  # no report's metadata holds it: the report that states it
                held = _stating(search(text if of_statement else points.group(0)), pool, STATES_FIGURE)
            pool &= held
            how, told = "rating", True
        best = _EXTREME.search(text)
        if best:
            best_word = best.group(1).lower() in ("better", "best", "higher", "highest", "top", "stronger",
                                                  "strongest")
            pool &= set(self.extreme(best_word, statement, among=pool if told else None))
            how, told = "score", True
        doc = re.search(r"\b(?:with|whose|has|have|that has|that have|that published|which has)\s+(?:the\s+|a\s+|an\s+|"
                        r"its\s+)?(?P<what>[\w\s-]{2,40}?\b(?:plan|strategy|account|minutes|report|statement|"
                        r"assessment|press release))\b", post, re.I)
        if doc:
            what = doc.group("what").lower().strip()
            titled = pool & {a for title, a, _ in self.titles if a and what in title}
            if titled:
                pool, how, told = titled, "document", True
            else:  # no report's title says it ("whose CQC press release talks about ..."): a fact to search for
                doc = None
        rest = _content_of(post, doc)
        long_words = [w for w in rest.split() if len(w) > 3]
        # (three words say enough to search for; two do with a figure: "the city council with 18 community lounges")
        if (len(long_words) >= 3 or len(long_words) >= 2 and re.search(r"\d", rest)) and search is not None \
                and len(pool) > 1:
            weights = search(rest)
            ranked = sorted(((w, a) for a, w in weights.items() if a in pool), reverse=True)
            if ranked and (len(ranked) == 1 or ranked[0][0] >= DOMINANT * ranked[1][0]):
                pool = {ranked[0][1]}
                how, told = "content", True
            elif ranked:
                told = True
                pool = {a for _, a in ranked[:2]}
        if not told:
            return None, ""
        found = tuple(sorted(pool))
        return found, how if len(found) <= 1 else "ambiguous"


def _stating(weights: dict[str, float], pool: set[str], least: float = 0.0) -> set[str]:
    """The one authority of `pool` whose reports state a description (`weights`: each one's best passage's search
    weight), if its passage weighs at least `least` and clearly more than any other's; else none."""
    ranked = sorted(((w, a) for a, w in weights.items() if a in pool), reverse=True)
    if ranked and ranked[0][0] >= least and (len(ranked) == 1 or ranked[0][0] >= DOMINANT * ranked[1][0]):
        return {ranked[0][1]}
    return set()


@functools.lru_cache(maxsize=4)
def _acronyms(authorities: tuple[str, ...]) -> dict[str, str]:
    """Covered authorities' initials as people write them: of the full name and of its distinctive words, with
    and without "and"/"of" ("Bath and North East Somerset": "banes", "bnes"; "Royal Borough of Windsor and
    Maidenhead": "rbwm"; "East Riding of Yorkshire Council": "eryc"), and joined by "&" where the name says "and"
    ("h&f", "b&nes"); an acronym two authorities share is neither's."""
    found: dict[str, set[str]] = {}
    for a in authorities:
        for name in (a, core_name(a)):
            words = [w.lower() for w in re.findall(r"[A-Za-z]+", name.replace("&", " and "))]
            if len(words) < (3 if name == a else 2):  # a full name of two words ("Bury Council") has none
                continue
            for skip in ({"of", "the", "upon", "on"}, {"of", "the", "upon", "on", "and"}):
                letters = "".join(w[0] for w in words if w not in skip)
                if len(letters) >= 3:
                    found.setdefault(letters, set()).add(a)
            if "and" in words[1:-1]:  # "Hammersmith and Fulham": "h&f"
                letters = "".join("&" if w == "and" else w[0] for w in words if w not in {"of", "the", "upon", "on"})
                found.setdefault(letters, set()).add(a)
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


# First words of councils' names that name no council alone ("North West London" is not North Somerset)
_DIRECTIONS = {"north", "south", "east", "west", "central", "mid", "greater", "great", "upper", "lower", "royal"}
# Counties' usual short forms, as people write them ("West Northants", "Herts", "Notts")
_COUNTY_SHORT = {"bedfordshire": "beds", "berkshire": "berks", "buckinghamshire": "bucks", "cambridgeshire": "cambs",
                 "derbyshire": "derbys", "gloucestershire": "glos", "hampshire": "hants", "hertfordshire": "herts",
                 "lancashire": "lancs", "leicestershire": "leics", "lincolnshire": "lincs",
                 "northamptonshire": "northants", "nottinghamshire": "notts", "oxfordshire": "oxon",
                 "staffordshire": "staffs", "warwickshire": "warks", "wiltshire": "wilts",
                 "worcestershire": "worcs", "yorkshire": "yorks"}


def _with_short_county(tokens: tuple[str, ...]) -> tuple[str, ...] | None:
    """The name with its county written short ("west northamptonshire" -> "west northants"), if it has one."""
    short = tuple(_COUNTY_SHORT.get(t, t) for t in tokens)
    return short if short != tokens else None


@functools.lru_cache(maxsize=4)
def _alias_table(authorities: tuple[str, ...]) -> dict[tuple[str, ...], str | Council]:
    """Token sequences naming councils -> the covered authority (a str) or the uncovered Council. Cached: an
    index swap after an add rarely changes the authorities."""
    table: dict[tuple[str, ...], str | Council] = {}
    held_core = {core_name(a).lower(): a for a in authorities if core_name(a)}
    held = {a.lower(): a for a in authorities}
    for c in english_councils():
        target: str | Council = held.get(c.name.lower()) or held_core.get(c.short.lower(), c)
        for alias in (c.name, c.short, f"{c.short} council", f"{c.short} county council",
                      f"{c.short} city council", f"{c.short} borough council", f"city of {c.short}"):
            tokens = tuple(_tokens(alias))
            table.setdefault(tokens, target)
            short = _with_short_county(tokens)
            if short:
                table.setdefault(short, target)
    for a in authorities:  # covered authorities last: they win over the list's entries of the same words
        for alias in (a, core_name(a)):
            if alias and alias.lower() not in GENERIC_NAME_WORDS:
                tokens = tuple(_tokens(alias))
                table[tokens] = a
                short = _with_short_county(tokens)
                if short:
                    table[short] = a
        words = core_name(a).split()
        first = words[0].split("-")[0] if words else ""
        if (len(words) > 1 or "-" in words[0] if words else False) and len(first) >= 5 and \
                first.lower() not in _DIRECTIONS and first.lower() not in GENERIC_NAME_WORDS:  # never "North"
            table.setdefault((_norm(first),), a)  # "Stockton" for Stockton-on-Tees, "Redcar" for Redcar and Cleveland
    return table


# A description by a fact names the council whose best passage states it, when that passage scores at least this
# many times the best of any other council's.
DOMINANT = 1.05
# a figure a description gives: a share ("41.2%") or a number with a decimal or thousands ("11,000", "2.5")
_DESCRIBED_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*%|\b\d{1,3}(?:,\d{3})+\b|\b\d+\.\d+\b")
# The search weight of a passage stating every figure of a description (the search adds 1 for that): one that
# only talks alike ("scored ... overall") does not state "scored 67%".
STATES_FIGURE = 1.0

# Ordinary English words that are also councils' one-word names: never a council unless capitalised.
_ENGLISH = AMBIGUOUS_SHORT
_TYPE_HEADS = {"county", "borough", "city", "district", "london borough", "county council", "city council",
               "borough council", "metropolitan borough", "unitary"}
_QWORD = (r"(?:how|what|who|when|where|why|which|is|are|does|do|did|was|were|can|has|have|had|could|would|should|"
          r"will|may|might|must|tell|list|name|describe|explain)")
# Where a description's clause ends and the question resumes: ", how ...", ", in what areas ...", "... get overall",
# "... end up with", "... score for"
_CLAUSE_END = (rf"(?:,\s*|\s+and\s+|\s+or\s+){_QWORD}\b|\s+or\s+the\b|[?;]|\.(?:\s|$)|\s+[-–—]\s|:\s|"
               r",\s*(?:in|on|for|at|from|of|with|by|to|under)\s+(?:what|which|whom|whose|how)\b|"
               # (not the description's own verb: "the authority that ended up joint third in the country")
               r"(?<!that)(?<!which)(?<!who)\s+(?:end|ended|ends|wind|wound|come|came|comes)\s+(?:up|out)\b|"
               r"\s+(?:score|scored|get|got|receive|received|achieve|achieved)\s+overall\b|"
               r"\s+(?:score|scored|get|got|receive|received|achieve|achieved|do|did|say|says|said|rated|marked|graded)"
               r"\s+(?:for|on|in|from|about|when|at|under)\b")
_DESCRIPTION = re.compile(
    # (words before the head, "the London borough", not another noun's phrase: "the leadership at the council")
    r"\b(?:the|that|this)\s+(?P<pre>(?:(?!(?:at|of|in|for|from|on|with|to|by|the|and)\b)[\w'’-]+[\s-]+){0,3}?)"
    r"(?P<head>county council|city council|borough council|london borough|metropolitan borough|local authority|"
    r"council|authority|borough|county|city|district|unitary|la|one|area|place)\b"
    # ("the unitary council whose ...", "the district authority that ...": the kind and the noun, one head)
    r"(?:(?:(?<=unitary)|(?<=district)|(?<=borough)|(?<=county))\s+(?:council|authority)\b)?"
    rf"(?P<post>(?:\s*,?\s*(?:that|which|who|whose|where|with|rated|scored|scoring|graded|given|awarded|that's|"
    rf"judged|assessed|in which|known|accredited|described|recognised|recognized|praised|based|located|covering|"
    rf"stretching|serving|whose|short of|lacking|facing|using|running|offering|providing|reporting|notified|hit by|"
    rf"(?:the )?(?:cqc|inspectors|it) (?:rated|scored|judged|gave|found|assessed|described)|"
    # any participle: "the council still awaiting its inspection result", "the borough preparing for CQC"
    rf"(?:still |now |currently |already |recently )?[a-z]+ing)\b(?:(?!{_CLAUSE_END}).)*)?)",
    re.I)
# A description ends before the verb the question asks with: "what did the council that ... [score]?"
# A yes/no question ("Was ...?", "Is ...?") and the rating it asks after a description's clause
_YES_NO = re.compile(r"^\s*(?:was|were|is|are|has|have|did|does)\b", re.I)
_ASKED_RATING = re.compile(r"\s+(?:(?:was|were|is|has been|been)\s+)?(?:rated|scored|graded|judged)\s+(?:as\s+)?"
                           r"['‘\"“]?(?:outstanding|good|requir(?:es|ing) improvement|inadequate)\b", re.I)
_TRAILING_VERB = re.compile(r"\s+(?:score|scored|get|got|receive|received|achieve|achieved|rating|rated|mark|do|fare|"
                            r"perform|say|says|said|do about|doing)\s*$", re.I)
_SCORE_NUMBER = r"([1-4]|one|two|three|four)"
_SCORED = re.compile(rf"\b(?:scor\w*|got|gets|get|received?|given|awarded|achieved|was given|rated|graded|with)"
                     rf"\s+(?:(?:an?|the)\s+)?(?:score\s+(?:of\s+)?)?{_SCORE_NUMBER}\b(?!\s*(?:%|per|weeks?|days?|months?|"
                     rf"years?|hours?))|\b{_SCORE_NUMBER}[- ](?:rated|scor\w*|graded)\b|\bscore of {_SCORE_NUMBER}\b",
                     re.I)
# Overall points out of 100 ("scored 75%", "got 70 points", "78 out of 100", "75% overall"), not any percentage
# ("a 22% rise in residents", "84% of care homes")
_POINTS_NAMED = re.compile(r"\b(?:scor\w*|got|gets|get|received?|achieved?|awarded|given)\s+(?:an?\s+)?"
                           r"(?:(?:score|total) of\s+)?(\d{2,3})\s*(?:%|per ?cent\b|points\b|out of 100\b)|"
                           r"\b(\d{2,3})\s*(?:points\b|out of 100\b|%\s*overall\b)", re.I)
_WORD_SCORES = {"exceptional": 4, "significant shortfalls": 1, "some shortfalls": 2, "good standard": 3}
_EXTREME = re.compile(r"\b(better|best|higher|highest|top|stronger|strongest|worse|worst|lower|lowest|weaker|"
                      r"weakest|poorer|poorest)[- ](?:scor\w*|rat\w*|perform\w*|one|council|authority|borough|"
                      r"county)\b",
                      re.I)


def _score_named(text: str) -> int | None:
    m = _SCORED.search(text)
    if m:
        n = next(g for g in m.groups() if g)
        return {"one": 1, "two": 2, "three": 3, "four": 4}.get(n.lower()) or int(n)
    low = text.lower()
    for words, n in _WORD_SCORES.items():
        if words in low:
            return n
    return None


# Ratings of a council's providers, not of the council: "103 Good-rated providers", "care homes rated outstanding"
_RATINGS = "|".join(r.lower() for r in OVERALL_RATINGS)
_PROVIDERS_RATED = re.compile(rf"\b(?:{_RATINGS})['\"]?[- ]rated\s+(?:care\s+)?"
                              r"(?:providers?|homes?|services?|provision|settings?|agencies)\b|"
                              r"\b(?:providers?|care homes?|homes|agencies|settings)\s+(?:\w+\s+){0,2}?rated\s+"
                              rf"['\"]?(?:{_RATINGS})\b", re.I)


def _rating_named(text: str) -> str | None:
    low = _PROVIDERS_RATED.sub(" ", text).lower().replace("’", "'")
    for r in OVERALL_RATINGS:
        if re.search(rf"\b(?:rated|rating of|judged|as)\s+['\"]?{r.lower()}\b|\b{r.lower()}['\"]?[- ]rated\b", low):
            return r
    if re.search(r"\boutstanding\b", low):
        return "Outstanding"
    return None


def _content_of(post: str, doc: re.Match | None) -> str:
    """The words of a description that state a fact (not a score, a rating or a document)."""
    rest = post
    if doc:
        rest = rest.replace(doc.group(0), " ")
    # words quoted from a report stay as they are ("found it 'is cost effective'"): they are what it states
    quoted = [m.group(0) for m in QUOTED_WORDS.finditer(rest)]
    rest = QUOTED_WORDS.sub(" ", rest)
    rest = _POINTS_NAMED.sub(" ", _SCORED.sub(" ", rest))
    rest = re.sub(r"\b(?:that|which|who|whose|where|with|is|was|were|are|has|had|have|its|their|it|they|the|a|an|"
                  r"rated|scored|got|on|for|in|of|to|by|and|' ?s)\b", " ", rest, flags=re.I)
    for w in list(SCORE_WORDS.values()) + [r.lower() for r in OVERALL_RATINGS]:
        rest = re.sub(rf"\b{w}\b", " ", rest, flags=re.I)
    return " ".join(rest.split() + quoted)


# three to eight words between quotation marks (not an apostrophe's "s"): words quoted from a report
QUOTED_WORDS = re.compile(r"(?<!\w)[‘'\"“](?:[^‘’'\"”\s]+\s+){2,7}[^‘’'\"”\s]+[’'\"”](?!\w)")


def quoted_phrases(text: str) -> list[str]:
    """The phrases a text quotes (QUOTED_WORDS), lower-cased with their spacing made single, to be looked for in a
    passage made the same way (`flat`)."""
    return [flat(m.group(0)[1:-1]) for m in QUOTED_WORDS.finditer(text)]


def flat(text: str) -> str:
    """Lower-cased, every run of white space one space: how a quoted phrase is looked for in a passage."""
    return " ".join(text.lower().split())


def _scores_held(md: Mapping[str, Any]) -> set[tuple[str | None, int]]:
    """(statement, score) a report stands for, if it is a current CQC assessment."""
    if not (md.get("authority") and md.get("kind") == CQC_KIND and not md.get("superseded_by")):
        return set()
    out = {(e.get("statement"), int(e["score"])) for e in md.get("scores") or () if e.get("score") is not None}
    if md.get("score") is not None and not out:
        out.add((md.get("quality_statement"), int(md["score"])))
    return out

"""Every English council, from `data/english_councils.csv` (mySociety, CC BY 4.0): what a council is called in
full and for short, and its kind. Read by metadata detection (which council a report is about) and by question
reading (which council a question names, covered or not)."""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Council:
    """An English local authority."""

    name: str
    short: str
    type: str  # county | district | metropolitan | unitary | london | other
    current: bool


@functools.lru_cache(maxsize=1)
def english_councils() -> tuple[Council, ...]:
    path = Path(__file__).parent / "data" / "english_councils.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(Council(r["name"], r["short_name"], r["type"], r["current"] == "yes") for r in csv.DictReader(fh))


# Councils' short names that are ordinary words or parts of other names: never evidence on their own.
AMBIGUOUS_SHORT = {"reading", "bury", "hart", "eden", "rugby", "wyre", "north", "south", "east", "west", "central",
                   "mid", "test", "castle", "point", "valley", "forest", "city", "london", "county", "vale", "wealden",
                   "tower", "mole", "rother", "stroud", "halton", "sutton", "richmond", "kingston", "harrow", "brent",
                   "merton", "greater manchester", "greater london"}
# Of those, the ones that are words of other names or of directions: not a council even capitalised mid-sentence.
_PART_OF_NAMES = {"north", "south", "east", "west", "central", "mid", "test", "castle", "point", "valley", "forest",
                  "city", "london", "county", "vale", "tower", "greater manchester", "greater london"}
# ... and, with those, the ones that are everyday words: in lower case never a council, even one the reports cover
# ("reading the report"); the others are names first ("merton's cqc result" means the council the reports cover).
EVERYDAY_WORDS = _PART_OF_NAMES | {"reading", "bury", "hart", "rugby", "mole"}


def is_council(name: str) -> bool:
    """Is this the full or short name of an English council ("Kent County Council", "Kent")?"""
    low = name.lower()
    return any(low in (c.name.lower(), c.short.lower()) for c in english_councils())


@functools.lru_cache(maxsize=1)
def _full_names() -> tuple[re.Pattern[str], dict[str, str]]:
    """Every council's full name, and its short name with "Council", "&" and "and" alike, longest first; and
    what each (lower case, "&" as "and") stands for: the full name itself, or "" for a short name + "Council"
    (printed as the text prints it)."""
    current = [c for c in english_councils() if c.current]
    names = {f"{c.short} Council": "" for c in current} | {c.name: c.name for c in current}

    def pattern(name: str) -> str:
        return r"\s+".join("(?:and|&)" if w in ("and", "&") else re.escape(w) for w in name.split())

    regex = re.compile(r"(?<![\w-])(?:" + "|".join(pattern(n) for n in sorted(names, key=len, reverse=True)) +
                       r")(?![\w-])")
    return regex, {_key(n): full for n, full in names.items()}


def _key(name: str) -> str:
    return " ".join(name.lower().replace("&", "and").split())


def known_name_around(text: str, start: int, end: int) -> str | None:
    """A council's full name in `text` that holds text[start:end] and runs further left ("Bath & North East
    Somerset Council" around "East Somerset Council", "East Riding of Yorkshire Council" around "Yorkshire
    Council"), as the list of councils spells it ("Bath and North East Somerset Council": one council, one
    name, however a page prints it); a short name and "Council" as printed."""
    regex, full = _full_names()
    for m in regex.finditer(text, max(0, start - 60), end):
        if m.start() < start and m.end() >= end:
            return full.get(_key(m.group(0))) or " ".join(m.group(0).split())
    return None


def _mentions(short: str, text: str) -> int:
    """How often a text names a council by its short name: a name that is also an ordinary word ("Bury",
    "Reading", "Brent") only where it is capitalised mid-sentence ("getting Bury to", "of Brent's")."""
    if short.lower() in AMBIGUOUS_SHORT:
        return len(re.findall(rf"(?<=[a-z,] ){re.escape(short)}(?![\w-])", text))
    return len(re.findall(rf"(?<![\w-]){re.escape(short)}(?![\w-])", text))


def most_mentioned(text: str) -> str | None:
    """The council a text names most often by its short name (at least twice, clearly more than any other; or
    the only council it names at all), for a report that never prints its council's full name ("Sheffield Adult
    Social Care's winter plan ...", "getting Bury to a position of growing strength")."""
    counts: Counter = Counter()
    shorts: dict[str, str] = {}
    text = re.sub(r"\b[A-Z]{3,}\b", lambda m: m.group(0).title(), text)  # "CHESHIRE West and Chester"
    for c in english_councils():
        if c.type == "other" or c.short.lower() in _PART_OF_NAMES or not c.current:
            continue
        n = _mentions(c.short, text)
        if n:
            counts[c.name], shorts[c.name] = n, c.short
    for name, short in shorts.items():  # "Cheshire West and Chester" is no mention of "Chester" too
        if any(other != name and re.search(rf"\b{re.escape(short)}\b", o) for other, o in shorts.items()):
            del counts[name]
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) > 1 and (ranked[0][1] < 2 or ranked[1][1] * 2 > ranked[0][1])):
        return None
    return ranked[0][0]

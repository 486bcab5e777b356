"""Telling a misspelt word from the word it misspells: within one edit (two for long words), a swap of
neighbouring letters counting as one. Used for councils' names and quality statements in questions, and for a
question's other words against the words the reports use ("wintr" -> "winter")."""

from __future__ import annotations

import functools
from collections import defaultdict


def distance(a: str, b: str) -> int:
    """Edits from `a` to `b` (insertions, deletions, substitutions, swaps of neighbouring letters)."""
    prev = list(range(len(b) + 1))
    prev2: list[int] = []
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def close(a: str, b: str) -> bool:
    """Is `a` within one edit of `b` (two when `b` has nine letters or more)?"""
    limit = 2 if len(b) >= 9 else 1
    return abs(len(a) - len(b)) <= limit and distance(a, b) <= limit


# endings that make a word of a stem: a question's "commend" is no misspelt "commenced" when the reports say
# "commended"
_ENDINGS = ("s", "es", "ed", "ing", "er", "ers", "ment", "ments", "ly")


class Speller:
    """The reports' words, to find the one a misspelt question word means. Words are looked up among those
    sharing their first two letters and about their length, so a lookup stays cheap at any corpus size."""

    def __init__(self, words: frozenset[str]):
        self._words = words
        self._buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for w in words:
            if len(w) >= 5 and w.isalpha():
                self._buckets[(w[:2], len(w))].append(w)

    def correct(self, word: str, most: int = 3) -> tuple[str, ...]:
        """The reports' words nearest to `word` (fewest edits; "inspecton": "inspection" and "inspector"), if
        `word` is neither one of theirs nor the stem of one; () if none is within reach."""
        if word in self._words or len(word) < 5:  # short words are too near too many others ("came": "care")
            return ()
        if any(word + end in self._words for end in _ENDINGS):
            return ()  # the stem of a word of theirs ("commend" of "commended"), not a misspelling of one
        found = [(distance(word, w), w) for spread in (0, 1, -1, 2, -2)
                 for w in self._buckets.get((word[:2], len(word) + spread), ()) if close(word, w)]
        if not found:
            return ()
        best = min(d for d, _ in found)
        return tuple(sorted(w for d, w in found if d == best))[:most]


@functools.lru_cache(maxsize=2)
def speller(words: frozenset[str]) -> Speller:
    """One speller per vocabulary (the index's words change only when the index does)."""
    return Speller(words)

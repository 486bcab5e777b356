"""Telling a misspelt word from the word it misspells: within one edit (two for long words), a swap of
neighbouring letters counting as one. Used for councils' names and quality statements in questions."""

from __future__ import annotations


def close(a: str, b: str) -> bool:
    """Is `a` within one edit of `b` (two when `b` has nine letters or more)?"""
    limit = 2 if len(b) >= 9 else 1
    if abs(len(a) - len(b)) > limit:
        return False
    prev = list(range(len(b) + 1))
    prev2: list[int] = []
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1] <= limit

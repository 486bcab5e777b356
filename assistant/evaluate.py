"""Measuring on a question set (schema in ../shared/eval/README.md), with the metrics defined there.

A result is what the assistant showed for one question: an answer text, whether it abstained, and its
citations in rank order ({"doc", "start", "end", "quote"}). The metrics match the reference scorer
`../shared/eval/score.py`; a test checks that they agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUDGETS = (300, 600, 1200)


@dataclass(frozen=True)
class Metrics:
    answerable: int
    unanswerable: int
    hit: float  # hit@k
    all_k: float
    mrr: float
    within: dict[int, float]  # hit@Nc for N in BUDGETS
    keywords: float
    mean_answer_chars: float
    declined: float  # unanswerable questions declined
    wrongly_declined: float  # answerable questions declined
    verbatim: float
    k: int
    misses: list[str] = field(default_factory=list)  # answerable ids with no gold in the first k
    keyword_misses: list[str] = field(default_factory=list)
    abstention_misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"hit@{self.k}      {self.hit:.3f}", f"all@{self.k}      {self.all_k:.3f}",
               f"MRR        {self.mrr:.3f}"]
        out += [f"hit@{b}c  {self.within[b]:.3f}" for b in BUDGETS]
        out += [f"keywords   {self.keywords:.3f}  (mean answer {self.mean_answer_chars:.0f} chars)",
                f"abstention unanswerable declined {self.declined:.3f}; "
                f"answerable wrongly declined {self.wrongly_declined:.3f}",
                f"verbatim   {self.verbatim:.3f}"]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"hit": self.hit, "all": self.all_k, "mrr": self.mrr,
                **{f"hit@{b}c": v for b, v in self.within.items()}, "keywords": self.keywords,
                "mean_answer_chars": self.mean_answer_chars, "declined": self.declined,
                "wrongly_declined": self.wrongly_declined, "verbatim": self.verbatim, "k": self.k,
                "misses": self.misses, "keyword_misses": self.keyword_misses,
                "abstention_misses": self.abstention_misses}


def load_questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _golds(item: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for g in item["gold"]:
        if isinstance(g, dict):
            yield g["doc"], g["text"]
        else:
            yield item["doc"], g


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append((i, i + len(needle)))
        i = text.find(needle, i + 1)
    return out


def _overlaps(c: Mapping[str, Any], doc: str, span: tuple[int, int]) -> bool:
    if Path(c["doc"]).name != doc:
        return False
    lo, hi = max(c["start"], span[0]), min(c["end"], span[1])
    return hi - lo >= max(1, (span[1] - span[0]) // 2)


def score(items: list[dict[str, Any]], results: Mapping[str, Mapping[str, Any]],
          text_of: Callable[[str], str | None], k: int = 5) -> Metrics:
    """The metrics of ../shared/eval/README.md for `results` (keyed by question id)."""
    n_ans = n_un = hit = all_k = kw = wrong = declined = 0
    n_cit = ok_cit = 0
    rr = 0.0
    ans_len = 0
    within = dict.fromkeys(BUDGETS, 0)
    misses: list[str] = []
    kw_misses: list[str] = []
    abst_misses: list[str] = []
    for it in items:
        r = results.get(it["id"], {"answer": "", "abstained": True, "citations": []})
        cits = r.get("citations", [])
        for c in cits:
            n_cit += 1
            t = text_of(Path(c["doc"]).name)
            ok_cit += t is not None and t[c["start"]:c["end"]] == c.get("quote")
        if it["type"] == "unanswerable" or it.get("doc") is None:
            n_un += 1
            declined += bool(r.get("abstained"))
            if not r.get("abstained"):
                abst_misses.append(it["id"])
            continue
        n_ans += 1
        if r.get("abstained"):
            wrong += 1
            abst_misses.append(it["id"])
        gspans = []
        for doc, g in _golds(it):
            t = text_of(doc)
            gspans.append((doc, _spans(t, g) if t else []))

        def gold_in(c: Mapping[str, Any]) -> bool:
            return any(_overlaps(c, d, s) for d, ss in gspans for s in ss)  # noqa: B023

        first = next((rank for rank, c in enumerate(cits, 1) if gold_in(c)), None)
        if first and first <= k:
            hit += 1
        else:
            misses.append(it["id"])
        if first:
            rr += 1.0 / first
            reach = sum(c["end"] - c["start"] for c in cits[:first])
            for b in BUDGETS:
                within[b] += reach <= b
        ans_len += len(r.get("answer", ""))
        if all(any(_overlaps(c, d, s) for c in cits[:k] for s in ss) for d, ss in gspans):
            all_k += 1
        answer = r.get("answer", "").lower()
        if all(w.lower() in answer for w in it.get("answer_keywords", [])):
            kw += 1
        else:
            kw_misses.append(it["id"])
    a = max(n_ans, 1)
    return Metrics(n_ans, n_un, hit / a, all_k / a, rr / a, {b: within[b] / a for b in BUDGETS}, kw / a,
                   ans_len / a, declined / max(n_un, 1), wrong / a, ok_cit / max(n_cit, 1), k, misses,
                   kw_misses, abst_misses)


def passage_results(search: Callable[[str], list[dict[str, Any]]], items: list[dict[str, Any]],
                    answer_passages: int = 3) -> dict[str, dict[str, Any]]:
    """Results where the retrieved passages are the citations and the first few, joined, the answer:
    how good retrieval alone is, before any answer is built. Never abstains."""
    out = {}
    for it in items:
        cits = search(it["question"])
        out[it["id"]] = {"id": it["id"], "answer": "\n".join(c["quote"] for c in cits[:answer_passages]),
                         "abstained": False, "citations": cits}
    return out

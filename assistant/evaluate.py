"""Measuring on question sets (schema in ../shared/eval/README.md), with the metrics defined there.

A result is what the assistant showed for one question: an answer text, whether it abstained, and its
citations in rank order ({"doc", "start", "end", "quote"}). The metrics match the reference scorer
`../shared/eval/score.py`; a test checks that they agree.

The project's evaluation (`python -m assistant eval` with no file) runs three question sets in one go, each
beside the two textbook pipelines (`baseline.py`) on the same questions:
- `dev`: ../shared/eval/dev.jsonl over the bundled corpus alone;
- `tune-bundled`: eval/tune-bundled.jsonl, new questions on the bundled reports, over the bundled corpus alone;
- `tune`, `tune-2` and `test`: eval/tune.jsonl, eval/tune-2.jsonl (a second tuning set, written later by someone
  who had not seen the assistant, to tell rules that generalise from rules fitted to `tune`) and eval/test.jsonl
  over the bundled corpus plus the real public documents in eval/reports/ (both halves in one temporary index,
  as reports would sit side by side).
The halves were split by document before any rule was changed: rules may be changed for failures of `tune`
only; `test` is reported (figures and per-class shares), and its misses are never printed.

Questions may carry `history` (earlier questions of the conversation, answered first as the chat does) and
`tags` (the class of question, e.g. "two-part"); failures are counted per tag.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from .embed import Embedder
    from .store import Index

BUDGETS = (300, 600, 1200)
READING_BUDGET = 600  # the answer budget of the targets: hit@600c
EVAL_DIR = PROJECT_ROOT / "eval"
DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"


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
    # every question that failed in any way, with how: "no gold in top k", "keywords missing",
    # "wrongly declined", "answered" (an unanswerable question)
    failures: dict[str, list[str]] = field(default_factory=dict)

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
                "abstention_misses": self.abstention_misses, "failures": self.failures}


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
    failures: dict[str, list[str]] = {}
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
                failures[it["id"]] = ["answered"]
            continue
        n_ans += 1
        if r.get("abstained"):
            wrong += 1
            abst_misses.append(it["id"])
            failures.setdefault(it["id"], []).append("wrongly declined")
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
            failures.setdefault(it["id"], []).append(f"no gold in top {k}")
        if first:
            rr += 1.0 / first
            reach = sum(c["end"] - c["start"] for c in cits[:first])
            for b in BUDGETS:
                within[b] += reach <= b
            if reach > READING_BUDGET:
                failures.setdefault(it["id"], []).append(f"gold after {READING_BUDGET} characters")
        ans_len += len(r.get("answer", ""))
        if all(any(_overlaps(c, d, s) for c in cits[:k] for s in ss) for d, ss in gspans):
            all_k += 1
        answer = r.get("answer", "").lower()
        if all(w.lower() in answer for w in it.get("answer_keywords", [])):
            kw += 1
        else:
            kw_misses.append(it["id"])
            failures.setdefault(it["id"], []).append("keywords missing")
    a = max(n_ans, 1)
    return Metrics(n_ans, n_un, hit / a, all_k / a, rr / a, {b: within[b] / a for b in BUDGETS}, kw / a,
                   ans_len / a, declined / max(n_un, 1), wrong / a, ok_cit / max(n_cit, 1), k, misses,
                   kw_misses, abst_misses, failures)


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


def tag_shares(items: Sequence[Mapping[str, Any]], metrics: Metrics) -> dict[str, tuple[int, int]]:
    """For each tag of the questions, (questions with it, how many of them failed in any way)."""
    out: dict[str, list[int]] = {}
    for it in items:
        for tag in it.get("tags") or ():
            n = out.setdefault(tag, [0, 0])
            n[0] += 1
            n[1] += it["id"] in metrics.failures
    return {t: (n, f) for t, (n, f) in sorted(out.items())}


# ------------------------------------------------------------------------------------------ question sets

@dataclass(frozen=True)
class QuestionSet:
    name: str
    path: Path
    reports: tuple[Path, ...] = ()  # folders of reports indexed beside the bundled corpus for this set
    held_out: bool = False  # reported only: its misses are not printed (rules are never tuned on it)


def project_sets() -> list[QuestionSet]:
    """The project's evaluation: dev and the tuning half's questions on the bundled reports over the bundled
    corpus alone (as a council that has just installed it); the tuning and test halves over the bundled corpus
    plus every eval report (both halves' documents in one index)."""
    reports = (EVAL_DIR / "reports" / "tune", EVAL_DIR / "reports" / "test")
    sets = [QuestionSet("dev", DEV_SET)] if DEV_SET.exists() else []
    return sets + [QuestionSet("tune-bundled", EVAL_DIR / "tune-bundled.jsonl"),
                   QuestionSet("tune", EVAL_DIR / "tune.jsonl", reports),
                   QuestionSet("tune-2", EVAL_DIR / "tune-2.jsonl", reports),
                   QuestionSet("tune-3", EVAL_DIR / "tune-3.jsonl", (*reports, EVAL_DIR / "reports" / "tune-3")),
                   # the next round's tuning set: news and council pages, beside everything but the test sets
                   QuestionSet("tune-4", EVAL_DIR / "tune-4.jsonl",
                               (*reports, EVAL_DIR / "reports" / "tune-3", EVAL_DIR / "reports" / "tune-4")),
                   # the round after: news, local news and minutes telling ratings in prose (10 councils)
                   QuestionSet("tune-5", EVAL_DIR / "tune-5.jsonl",
                               (*reports, *(EVAL_DIR / "reports" / f for f in ("tune-3", "tune-4", "tune-5")))),
                   # and the next: more of those, councils with names of three words or a hyphen (10 pages)
                   QuestionSet("tune-6", EVAL_DIR / "tune-6.jsonl",
                               (*reports,
                                *(EVAL_DIR / "reports" / f for f in ("tune-3", "tune-4", "tune-5", "tune-6")))),
                   # and the next: minutes, decision records and news of ten more councils (10 pages)
                   QuestionSet("tune-7", EVAL_DIR / "tune-7.jsonl",
                               (*reports, *(EVAL_DIR / "reports" / f
                                            for f in ("tune-3", "tune-4", "tune-5", "tune-6", "tune-7")))),
                   # and the next: minutes, a decision record, council pages and news of ten more councils (10 pages)
                   QuestionSet("tune-8", EVAL_DIR / "tune-8.jsonl",
                               (*reports, *(EVAL_DIR / "reports" / f
                                            for f in ("tune-3", "tune-4", "tune-5", "tune-6", "tune-7", "tune-8")))),
                   # and the next: news, minutes and council reports of nine more councils (9 pages)
                   QuestionSet("tune-9", EVAL_DIR / "tune-9.jsonl",
                               (*reports, *(EVAL_DIR / "reports" / f
                                            for f in ("tune-3", "tune-4", "tune-5", "tune-6", "tune-7", "tune-8",
                                                      "tune-9")))),
                   # and the next: minutes, decision records, news and a blog of nine more councils (10 pages)
                   QuestionSet("tune-10", EVAL_DIR / "tune-10.jsonl",
                               (*reports, *(EVAL_DIR / "reports" / f
                                            for f in ("tune-3", "tune-4", "tune-5", "tune-6", "tune-7", "tune-8",
                                                      "tune-9", "tune-10")))),
                   # and the next: CQC pages, a self-assessment, strategies, a market sustainability page and minutes
                   # of eight more councils (10 pages)
                   QuestionSet("tune-11", EVAL_DIR / "tune-11.jsonl",
                               (*reports, *(EVAL_DIR / "reports" / f
                                            for f in ("tune-3", "tune-4", "tune-5", "tune-6", "tune-7", "tune-8",
                                                      "tune-9", "tune-10", "tune-11")))),
                   # and the next: rating news of five more councils (scores in prose), two meeting summaries, minutes,
                   # a local account and a council's page on preparing for the CQC (10 pages)
                   QuestionSet("tune-12", EVAL_DIR / "tune-12.jsonl",
                               (*reports, *(EVAL_DIR / "reports" / f
                                            for f in ("tune-3", "tune-4", "tune-5", "tune-6", "tune-7", "tune-8",
                                                      "tune-9", "tune-10", "tune-11", "tune-12")))),
                   QuestionSet("test", EVAL_DIR / "test.jsonl", reports, held_out=True),
                   # a second held-out set, written after all tuning, over every report folder
                   QuestionSet("test-2", EVAL_DIR / "test-2.jsonl",
                               (*reports, EVAL_DIR / "reports" / "tune-3", EVAL_DIR / "reports" / "test-2"),
                               held_out=True)]


def assemble_corpus(dst: Path, base: Path, extra: Sequence[Path]) -> Path:
    """A corpus folder at `dst`: the reports and metadata of `base` (the bundled corpus) plus the report files
    of each folder in `extra`, their metadata.json entries merged in. A name held twice is an error."""
    from .corpus import METADATA_FILE, list_files

    dst.mkdir(parents=True)
    names, _ = list_files(base)
    entries: dict[str, Any] = {}
    for folder in (base, *extra):
        files = names if folder == base else list_files(folder)[0]
        for name in files:
            if (dst / name).exists():
                raise ValueError(f"{name} is in more than one report folder ({folder})")
            shutil.copy2(folder / name, dst / name)
        md = folder / METADATA_FILE
        if md.exists():
            data = json.loads(md.read_text(encoding="utf-8"))
            entries.update(data.get("reports", data))
    (dst / METADATA_FILE).write_text(json.dumps({"reports": entries}, indent=1, ensure_ascii=False), encoding="utf-8")
    return dst


@contextmanager
def temporary_index(settings: Settings, embedder: Embedder, extra: Sequence[Path]) -> Iterator[tuple[Settings, Index]]:
    """The bundled corpus plus `extra` report folders, indexed in a temporary folder removed afterwards."""
    import dataclasses

    from . import store

    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        corpus = assemble_corpus(Path(tmp) / "corpus", settings.corpus_dir, extra)
        s = dataclasses.replace(settings, corpus_dir=corpus, index_dir=Path(tmp) / "index")
        store.build(s, embedder)
        yield s, store.load(s)


def answer_all(ask: Callable[[str, str | None], dict[str, Any]], items: Sequence[Mapping[str, Any]],
               resolve: Callable[[str, str | None], str] | None = None) -> dict[str, dict[str, Any]]:
    """Each question answered as the chat answers it: after its `history` (earlier questions of the same
    conversation), each read in the light of the one before (`resolve`)."""
    out = {}
    for it in items:
        previous = None
        for q in [*it.get("history", ()), it["question"]]:
            q = resolve(q, previous) if resolve else q
            previous = q
        out[it["id"]] = {"id": it["id"], **ask(previous, None)}
    return out


@dataclass
class SetRun:
    """One question set's results: the assistant's answers first, then each baseline's."""

    qset: QuestionSet
    items: list[dict[str, Any]]
    runs: list[tuple[str, Metrics]]

    @property
    def answers(self) -> Metrics:
        return self.runs[0][1]


def run_sets(sets: Sequence[QuestionSet], settings: Settings, embedder: Embedder, k: int = 5,
             baselines: bool = True) -> list[SetRun]:
    """Every set answered by the assistant and (with `baselines`) the two textbook pipelines; sets that
    share their report folders share one temporary index."""
    from .answer import Answerer
    from .baseline import DENSE, LEXICAL, TextbookBaseline

    out: list[SetRun] = []
    by_corpus: dict[tuple[Path, ...], list[QuestionSet]] = {}
    for qs in sets:
        by_corpus.setdefault(qs.reports, []).append(qs)
    for extra, group in by_corpus.items():
        with temporary_index(settings, embedder, extra) as (s, index):
            answerer = Answerer(index, embedder, s)
            systems: list[tuple[str, Callable[[str, str | None], dict[str, Any]]]] = [
                ("answers", lambda q, _, a=answerer: a.ask(q).to_dict())]
            if baselines:
                for kind in (DENSE, LEXICAL):
                    base = TextbookBaseline(index.texts, embedder, retriever=kind)
                    systems.append((base.name, lambda q, _, b=base: b.ask(q, k)))
            for qs in group:
                items = load_questions(qs.path)
                runs = []
                for i, (name, ask) in enumerate(systems):
                    # the baselines read every question alone; the assistant reads follow-ups as the chat does
                    resolve = answerer.follow_up if i == 0 else None
                    results = answer_all(ask, items, resolve)
                    runs.append((name, score(items, results, index.texts.get, k=k)))
                out.append(SetRun(qs, items, runs))
    order = {qs.name: i for i, qs in enumerate(sets)}
    return sorted(out, key=lambda r: order[r.qset.name])


# ------------------------------------------------------------------------------------------ checking a set

# The classes of question the project's sets are tagged with (a question may carry several).
TAGS = {
    "score-wording": "asks for a score or rating in other words than 'score'",
    "score-compare": "compares scores, asks what a score means, or lists scores",
    "description": "names an authority by description, not by name",
    "unknown-authority": "names an authority no report covers",
    "two-part": "asks two things at once",
    "window": "the fact sits beside the sentence or row that matches the question's words",
    "expected-fact": "asks for a name, date, number, proportion, duration, amount or frequency",
    "near-miss": "unanswerable, but the reports give a fact of the right kind about something else",
    "layout": "depends on a report layout: pilot, summary, press release, minutes, page chrome",
    "follow-up": "read after earlier questions of the conversation (`history`)",
    "admin": "asks what is held: reports, dates, sources",
    "typo": "has spelling mistakes",
    "comparison": "compares authorities on content",
}
TYPES = {"score", "transitions", "discharge", "winter", "contingency", "safeguarding", "comparison", "unanswerable",
         "other", "admin"}
STYLES = {"verbatim", "paraphrase", "colloquial", "keyword"}


def check_questions(items: Sequence[Mapping[str, Any]], text_of: Callable[[str], str | None],
                    docs: Iterable[str] | None = None) -> list[str]:
    """What is wrong with a question set: fields, unknown tags, golds that are not exact substrings of their
    report, reports outside `docs` (the set's half), ids repeated."""
    allowed = set(docs) if docs is not None else None
    problems: list[str] = []
    seen: set[str] = set()
    for it in items:
        qid = it.get("id", "?")
        if qid in seen:
            problems.append(f"{qid}: id repeated")
        seen.add(qid)
        missing = {"id", "question", "doc", "gold", "answer_keywords", "type", "style"} - set(it)
        if missing:
            problems.append(f"{qid}: missing {sorted(missing)}")
            continue
        if it["type"] not in TYPES or it["style"] not in STYLES:
            problems.append(f"{qid}: type {it['type']!r} or style {it['style']!r} unknown")
        bad = set(it.get("tags") or ()) - set(TAGS)
        if bad:
            problems.append(f"{qid}: unknown tags {sorted(bad)}")
        if not isinstance(it.get("history", []), list):
            problems.append(f"{qid}: history must be a list of earlier questions")
        if it["doc"] is None:
            if it["gold"] or it["answer_keywords"] or it["type"] != "unanswerable":
                problems.append(f"{qid}: an unanswerable question has doc null, no gold, no keywords")
            continue
        if not it["gold"] or not it["answer_keywords"]:
            problems.append(f"{qid}: an answerable question needs gold passages and answer keywords")
        if (it["doc"] == "multi") != any(isinstance(g, dict) for g in it["gold"]):
            problems.append(f"{qid}: gold of {{doc, text}} objects go with doc \"multi\", and only with it")
        for doc, g in _golds(it):
            if allowed is not None and doc not in allowed:
                problems.append(f"{qid}: {doc} is not a report of this set")
                continue
            t = text_of(doc)
            if t is None:
                problems.append(f"{qid}: no report {doc}")
            elif g not in t:
                problems.append(f"{qid}: gold not in {doc}: {g[:60]!r}")
    return problems

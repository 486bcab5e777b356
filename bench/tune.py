"""Tune answer settings on the tuning half (never the test half); prints every configuration's metrics.

    python bench/tune.py [--top 15] [--grid quote_chars=400,450,500 extend_within=0.25,0.35]

The sets are dev (../shared/eval/dev.jsonl) and tune-bundled over the bundled corpus, and tune over the bundled
corpus plus eval/reports/ (as `python -m assistant eval` runs them); the indexes are built once per run in a
temporary folder and question vectors are computed once, so a configuration costs seconds. The objective is
the mean over the sets of hit@5 + hit@600c + keywords + unanswerable declined, less twice any share of
answerable questions wrongly declined above 0.03, and nothing counts when the mean answer passes 600
characters. Prefer a configuration on a broad plateau over a lone peak.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from assistant import store  # noqa: E402
from assistant.answer import Answerer  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder  # noqa: E402
from assistant.evaluate import answer_all, assemble_corpus, load_questions, project_sets, score  # noqa: E402
from assistant.settings import Settings  # noqa: E402

GRID = {
    "quote_chars": [400, 450, 500],
    "extend_within": [0.25, 0.35, 0.45],
    "abstain_below": [0.25, 0.30, 0.35],
    "strong_cos": [0.65, 0.75],
}


class CachedEmbedder:
    """The real model, with every query's vector remembered across configurations."""

    def __init__(self, inner: SentenceTransformerEmbedder):
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self._cache: dict[str, np.ndarray] = {}

    def embed_documents(self, texts, progress=False):
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            self._cache.update(zip(todo, self.inner.embed_documents(todo, progress), strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else self.inner.embed_documents([])

    def embed_query(self, text):
        if text not in self._cache:
            self._cache[text] = self.inner.embed_query(text)
        return self._cache[text]


def objective(metrics: list[dict]) -> float:
    if any(m["mean_answer_chars"] > 600 for m in metrics):
        return 0.0
    return float(np.mean([m["hit"] + m["hit@600c"] + m["keywords"] + m["declined"]
                          - 2 * max(0.0, m["wrongly_declined"] - 0.03) for m in metrics]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--grid", nargs="*", default=[], help="setting=v1,v2 ... (replaces the built-in grid)")
    args = ap.parse_args()
    grid = GRID
    if args.grid:
        grid = {}
        for item in args.grid:
            key, values = item.split("=")
            kind = type(getattr(Settings, key))
            grid[key] = [kind(v) for v in values.split(",")]
    base = Settings.from_env()
    embedder = CachedEmbedder(SentenceTransformerEmbedder(base.resolved_model_path()))
    sets = [qs for qs in project_sets() if not qs.held_out]  # the test half is never tuned on
    with tempfile.TemporaryDirectory(prefix="assistant-tune-") as tmp:
        indexes = {}
        for qs in sets:
            if qs.reports not in indexes:
                folder = Path(tmp) / str(len(indexes))
                corpus = assemble_corpus(folder / "corpus", base.corpus_dir, qs.reports)
                s = dataclasses.replace(base, corpus_dir=corpus, index_dir=folder / "index")
                store.build(s, embedder)
                indexes[qs.reports] = (s, store.load(s))
        keys = list(grid)
        rows = []
        for values in itertools.product(*grid.values()):
            metrics = []
            for qs in sets:
                s0, index = indexes[qs.reports]
                s = dataclasses.replace(s0, **dict(zip(keys, values, strict=True)))
                answerer = Answerer(index, embedder, s)
                items = load_questions(qs.path)
                results = answer_all(lambda q, _, a=answerer: a.ask(q).to_dict(), items, answerer.follow_up)
                metrics.append(score(items, results, index.texts.get).to_dict())
            rows.append((objective(metrics), values, metrics))
    rows.sort(key=lambda r: -r[0])
    default = tuple(getattr(base, k) for k in keys)
    names = " | ".join(f"{qs.name}: hit h600 kw chars decl wrong" for qs in sets)
    print(" ".join(f"{k:>14}" for k in keys), "  objective  ", names)
    for obj, values, metrics in rows[: args.top] + [r for r in rows if r[1] == default]:
        mark = "  <- current settings" if values == default else ""
        cells = " | ".join(f"{m['hit']:.3f} {m['hit@600c']:.3f} {m['keywords']:.3f} {m['mean_answer_chars']:.0f} "
                           f"{m['declined']:.2f} {m['wrongly_declined']:.3f}" for m in metrics)
        print(" ".join(f"{v:>14}" for v in values), f"  {obj:.3f}  ", cells + mark)
    print(f"{len(rows)} configurations on {', '.join(qs.name for qs in sets)}")


if __name__ == "__main__":
    main()

"""Tune retrieval fusion and quote selection on a question set; prints every configuration's metrics.

    python bench/tune.py [../shared/eval/dev.jsonl] [--top 15]

Uses the live index (`python -m assistant index` first). Query vectors are computed once and reused, so
the grid costs seconds. The chosen defaults in assistant/settings.py and the table in the README come
from this script; prefer a configuration in a broad plateau over a lone peak (25 questions are few).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import store  # noqa: E402
from assistant.answer import Answerer  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder  # noqa: E402
from assistant.evaluate import load_questions, score  # noqa: E402
from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402

GRID = {
    "bm25_weight": [1.0, 1.5],
    "rrf_k": [10, 60],
    "rank_weight": [0.2, 0.5],
    "overlap_weight": [0.5, 0.8],
    "extend_within": [0.08, 0.12, 0.15],
    "second_within": [0.0, 0.03, 0.06],
    "quote_chars": [450, 600],
}


class CachedEmbedder:
    """The real model, with query vectors remembered across configurations."""

    def __init__(self, inner: SentenceTransformerEmbedder):
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self._cache: dict[str, object] = {}

    def embed_documents(self, texts, progress=False):
        return self.inner.embed_documents(texts, progress)

    def embed_query(self, text):
        if text not in self._cache:
            self._cache[text] = self.inner.embed_query(text)
        return self._cache[text]


def run(settings: Settings, index, embedder, items) -> dict:
    answerer = Answerer(index, embedder, settings)
    results = {it["id"]: {"id": it["id"], **answerer.ask(it["question"]).to_dict()} for it in items}
    return score(items, results, index.texts.get).to_dict()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    base = Settings.from_env()
    index = store.load(base)
    embedder = CachedEmbedder(SentenceTransformerEmbedder(base.resolved_model_path()))
    items = load_questions(args.file)
    rows = []
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        s = dataclasses.replace(base, **dict(zip(keys, values, strict=True)))
        m = run(s, index, embedder, items)
        objective = m["keywords"] + m["hit@600c"] + m["mrr"] + m["hit"]
        rows.append((objective, values, m))
    rows.sort(key=lambda r: -r[0])
    default = tuple(getattr(base, k) for k in keys)
    print(" ".join(f"{k:>14}" for k in keys), "   hit@5   MRR  h@600c  kw   decl  wrong  sum")
    for objective, values, m in rows[: args.top] + [r for r in rows if r[1] == default]:
        mark = "  <- current settings" if values == default else ""
        print(" ".join(f"{v:>14}" for v in values),
              f"  {m['hit']:.3f} {m['mrr']:.3f} {m['hit@600c']:.3f} {m['keywords']:.3f} {m['declined']:.2f}"
              f"  {m['wrongly_declined']:.2f} {objective:.3f}{mark}")
    print(f"{len(rows)} configurations on {args.file}")


if __name__ == "__main__":
    main()

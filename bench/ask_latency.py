"""In-process `ask` latency against the one unavoidable cost, encoding the question, in one run.

    python bench/ask_latency.py [../shared/eval/dev.jsonl] [--rounds 5]

For every question of the set, each round times a bare `embed_query` of the question and a full
`Answerer.ask` (understanding, hybrid retrieval, quote selection with index-time vectors, verification),
alternating so machine noise hits both alike. Prints p50 and p95 of each and their ratios. Goal: ask costs
at most 2x the bare encoding.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import store  # noqa: E402
from assistant.answer import Answerer  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder  # noqa: E402
from assistant.evaluate import load_questions  # noqa: E402
from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    settings = Settings.from_env()
    index = store.load(settings)
    embedder = SentenceTransformerEmbedder(settings.resolved_model_path())
    answerer = Answerer(index, embedder, settings)
    questions = [it["question"] for it in load_questions(args.file)]
    for q in questions[:5]:  # warm-up: first calls pay for lazy initialisation
        answerer.ask(q)
    enc, ask = [], []
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            embedder.embed_query(q)
            enc.append(time.perf_counter() - t)
            t = time.perf_counter()
            answerer.ask(q)
            ask.append(time.perf_counter() - t)
    ms = 1000
    print(f"{len(questions)} questions x {args.rounds} rounds, index of {len(index.chunks)} chunks "
          f"({index.n_units} quotable units, {len(index.segments)} segments)")
    print(f"bare query encoding : p50 {pct(enc, 50) * ms:6.1f} ms   p95 {pct(enc, 95) * ms:6.1f} ms")
    print(f"ask (whole answer)  : p50 {pct(ask, 50) * ms:6.1f} ms   p95 {pct(ask, 95) * ms:6.1f} ms")
    print(f"ratio ask / encode  : p50 {pct(ask, 50) / pct(enc, 50):6.2f}      p95 {pct(ask, 95) / pct(enc, 95):6.2f}"
          "      (goal <= 2.00)")


if __name__ == "__main__":
    main()

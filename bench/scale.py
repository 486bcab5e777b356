"""How the assistant's costs grow with its corpus: synthetic corpora of 10k, 100k and 1M chunks.

    python bench/scale.py [--sizes 10000,100000,1000000] [--queries 100] [--skip-hnsw]
                          [--incremental 1000,10000,100000,500000]

Corpora are made from the real reports' quotable units (sentences and table rows): each synthetic passage
joins one to three real units picked at random, with the authority's name swapped for one of 153
synthetic council names, so texts vary like real reports do (BM25 sees real vocabulary). Embedding
millions of passages would take days on two cores, so each passage's vector is derived from the real ones:
the normalised mean of its units' real vectors plus a little Gaussian noise (sigma 0.02 per dimension).
Search cost does not depend on how a vector was made; recall is measured against exact search on the same
vectors. Queries are the dev questions encoded by the real model, plus passage vectors with noise.

Measured per size, in one run: exact (flat) and approximate (IVF; HNSW where feasible) search p50/p95,
recall@10 of the approximate index against exact, index memory (serialised size), build and load time;
BM25 indexing and query time; at 10k and 100k the whole in-process `ask` p50 against the bare query
encoding (the index assembled in memory from the synthetic passages). Then adding one report to corpora
of report files made from `--incremental` passages (500,000 make about 1M chunks), in the app, with
`python -m assistant add` and with `index`, against embedding that report alone (see `incremental`). Then
cold start: process start to first answer, against importing the model libraries.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import cli as cli_mod  # noqa: E402
from assistant import store  # noqa: E402
from assistant.answer import Answerer  # noqa: E402
from assistant.chunk import Chunk  # noqa: E402
from assistant.dense import FLAT, HNSW, IVF, Dense  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder  # noqa: E402
from assistant.lexical import BM25, Terms, tokenize  # noqa: E402
from assistant.parse import Span  # noqa: E402
from assistant.segment import Segment  # noqa: E402
from assistant.service import Engine  # noqa: E402
from assistant.settings import Settings  # noqa: E402

PREFIXES = ["North", "South", "East", "West", "Upper", "Lower", "New", "Old", "Great", "Little", "Mid", "High",
            "Long", "Broad", "Kings", "Queens", "Saint", "Castle", "Bridge", "Market"]
STEMS = ["ford", "wick", "ham", "bury", "ton", "field", "borough", "chester", "mouth", "dale", "ley", "worth",
         "stead", "combe", "well", "brook", "minster", "port", "gate", "moor"]
KINDS = ["County Council", "City Council", "Borough Council", "District Council"]


def authorities(n: int = 153) -> list[str]:
    rng = np.random.default_rng(7)
    names: set[str] = set()
    while len(names) < n:
        names.add(f"{rng.choice(PREFIXES)}{rng.choice(STEMS)} {rng.choice(KINDS)}")
    return sorted(names)


def pct(xs: list[float], p: int) -> float:
    return float(np.percentile(np.asarray(xs), p))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Synthetic:
    """Passages (text, vector, authority) made from real units."""

    def __init__(self, index: store.Index, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        rows = [r for r in range(index.n_units) if index.is_live(index.unit(r)[0])]
        self.units = [index.texts[index.chunks[c].doc][s:e] for c, s, e in (index.unit(r) for r in rows)]
        self.unit_vectors = np.stack([index.unit_vector(r) for r in rows]).astype(np.float32)
        self.names = authorities()
        self.real_names = ["Derbyshire County Council", "Derbyshire", "London Borough of Camden", "Camden"]

    def make(self, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        k = self.rng.integers(1, 4, size=n)
        picks = [self.rng.integers(0, len(self.units), size=int(x)) for x in k]
        auth = self.rng.integers(0, len(self.names), size=n)
        vectors = np.empty((n, self.unit_vectors.shape[1]), dtype=np.float32)
        texts = []
        for i, (p, a) in enumerate(zip(picks, auth, strict=True)):
            t = " ".join(self.units[j] for j in p)
            for real in self.real_names:
                t = t.replace(real, self.names[a].split()[0])
            texts.append(t)
            v = self.unit_vectors[p].mean(axis=0) + self.rng.normal(0, 0.02, self.unit_vectors.shape[1])
            vectors[i] = v / np.linalg.norm(v)
        return texts, vectors, auth


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def dense_row(kind: str, vectors: np.ndarray, queries: np.ndarray, exact_ids: np.ndarray | None, k: int = 10,
              nprobe: int = 0) -> tuple[dict, np.ndarray]:
    import faiss

    faiss.omp_set_num_threads(1)  # single queries: one thread is faster and leaves the other core free
    before = rss_mb()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    dense, build_s = timed(lambda: Dense.build(vectors, kind, nprobe=nprobe))
    faiss.omp_set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.faiss"
        dense.save(path)
        size = path.stat().st_size
        _, load_s = timed(lambda: Dense.load(path, nprobe=nprobe))
    lat, ids = [], []
    for q in queries:
        t = time.perf_counter()
        _, i = dense.search(q, k)
        lat.append(time.perf_counter() - t)
        ids.append(i)
    ids_arr = np.asarray(ids)
    recall = None
    if exact_ids is not None:
        recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(ids_arr, exact_ids, strict=True)]))
    row = {"kind": dense.kind, "nprobe": dense.nprobe, "build_s": build_s, "load_s": load_s, "bytes": size,
           "p50_ms": pct(lat, 50) * 1000,
           "p95_ms": pct(lat, 95) * 1000, "recall": recall, "rss_delta_mb": rss_mb() - before}
    del dense
    return row, ids_arr


def in_memory_index(texts: list[str], vectors: np.ndarray, auth: np.ndarray, names: list[str], kind: str,
                    per_doc: int = 14, split: tuple[int, ...] = ()) -> store.Index:
    """An Index assembled from synthetic passages: the real answer path over it, without the parse step.
    `split`: sizes (in chunks) of further segments cut off the end, as after adds; the rest is one segment."""
    chunks, docs_text, doc_of, meta = [], {}, [], {}
    for d0 in range(0, len(texts), per_doc):
        doc = f"synthetic-{d0 // per_doc:06d}.txt"
        a = names[int(auth[d0])]
        body, pos = [], 0
        for i in range(d0, min(d0 + per_doc, len(texts))):
            t = texts[i]
            chunks.append(Chunk(id=f"{i:012x}", doc=doc, kind="paragraph", section=("Key findings",),
                                spans=(Span(pos, pos + len(t)),), start=pos, end=pos + len(t),
                                line_start=i - d0 + 1, line_end=i - d0 + 1, text=t,
                                context=f"{a}: local authority assessment > Key findings"))
            doc_of.append(doc)
            body.append(t)
            pos += len(t) + 1
        docs_text[doc] = "\n".join(body) + "\n"
        meta[doc] = ({"title": f"{a}: local authority assessment", "authority": a, "kind": "CQC assessment"}, len(body))
    tokens = [frozenset(t) for t in tokenize(texts)]
    bounds, end = [], len(chunks)
    for size in split:  # cut at report boundaries
        start = end - size
        while start > 0 and doc_of[start - 1] == doc_of[start]:
            start -= 1
        bounds.append((start, end))
        end = start
    bounds.append((0, end))
    segments, entries = [], {}
    for k, (a, b) in enumerate(reversed(bounds)):
        name = f"seg-synthetic-{k}"
        units = np.array([[i - a, c.start, c.end] for i, c in enumerate(chunks[a:b], a)], dtype=np.int64)
        docs = dict.fromkeys(doc_of[a:b])
        segments.append(Segment.create(name, chunks[a:b], vectors[a:b], units, vectors[a:b], tokens[a:b],
                                       {d: docs_text[d] for d in docs}, kind, 50_000))
        for d in docs:
            entries[d] = store.ReportEntry(d, "0", 0, "cqc", meta[d][1], meta[d][0], "0", segment=name)
    manifest = store.Manifest(store.FORMAT_VERSION, "gen-synthetic", "", "synthetic", vectors.shape[1], "2", 400, 600,
                              entries, {}, segments=[store.SegmentInfo(g.name, g.size, g.dense.kind) for g in segments])
    return store.Index(Path("."), manifest, segments)


class Switch:
    """The real model's identity; fast random vectors while the base corpus is built (their values do not
    matter for timing), the real model for the reports being added, with the time spent in it."""

    def __init__(self, real: SentenceTransformerEmbedder):
        self.real, self.fast = real, True
        self.model_id, self.dim = real.model_id, real.dim
        self.rng = np.random.default_rng(1)
        self.embed_s = 0.0

    def embed_documents(self, texts, progress=False):
        if not self.fast:
            t = time.perf_counter()
            out = self.real.embed_documents(texts)
            self.embed_s += time.perf_counter() - t
            return out
        v = self.rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def embed_query(self, text):
        return self.real.embed_query(text)


def report_texts(doc: str, text: str) -> list[str]:
    """Everything the index embeds for one report: its chunks and its quotable sentences (distinct texts)."""
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / doc).write_text(text, encoding="utf-8")
        return store.texts_to_embed(store.prepare(Settings(corpus_dir=Path(d), index_dir=Path(d) / "index")).chunks)


def incremental(synth: Synthetic, embedder: SentenceTransformerEmbedder, sizes: list[int], runs: int = 16) -> dict:
    """Adding one report to corpora of growing size, against embedding that report alone: from the command
    line (a new process: the previous index is read from disk, the corpus folder scanned) and in the app
    (`Engine.reindex` as an upload runs it: the loaded index's segments reused, the new index loaded, the
    answerer updated and swapped in); then `runs` more adds in the app, each against the time its own
    embedding took. Merges run after the swap, in the background: timed apart, as they delay no add."""
    new_report = (ROOT / "corpus" / "001_d6b23fda1bcedbce.txt").read_text(encoding="utf-8")
    out = {}
    print("\nincremental add of one report (Camden's, 30 chunks) to a corpus of report files:")
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            corpus = Path(d) / "corpus"
            corpus.mkdir()
            texts, _, auth = synth.make(n)
            for r0 in range(0, n, 14):
                a = synth.names[int(auth[r0])]
                head = (f"{a}: local authority assessment\nSafe pathways, systems and transitions\nScore: 3\n"
                        "3 - Evidence shows a good standard\nKey findings for this quality statement\n")
                (corpus / f"r{r0:07d}.txt").write_text(head + "\n".join(texts[r0:r0 + 14]) + "\n", encoding="utf-8")
            s = Settings(corpus_dir=corpus, index_dir=Path(d) / "index")
            emb = Switch(embedder)
            base, base_s = timed(lambda s=s, emb=emb: store.build(s, emb))
            time.sleep(2.1)  # files older than the racy window, as a real corpus's are
            store.build(s, emb)  # those written within it of being hashed are hashed again, once, as `index` does
            _, load_s = timed(lambda s=s: store.load(s))  # what a new process pays before its first answer
            emb.fast = False
            # from the command line: `python -m assistant index` after copying a report into corpus/
            embedder.embed_documents(report_texts("warm-up.txt", new_report)[:16])  # the model warm, as in the app
            (corpus / "zz-new-a.txt").write_text("Added for the benchmark\n" + new_report, encoding="utf-8")
            cli, cli_s = timed(lambda s=s, emb=emb: store.build(s, emb))
            alone = report_texts("zz-new-a.txt", "Added for the benchmark\n" + new_report)
            _, alone_s = timed(lambda t=alone: embedder.embed_documents(t))
            # `python -m assistant add FILE` (the upload's checks, then that file indexed alone), in this
            # process: the model is loaded once here, as it is before any command's work starts
            src = Path(d) / "zz-new-c.txt"
            src.write_text("Added from the command line\n" + new_report, encoding="utf-8")
            cli_mod._embedder = lambda _settings, emb=emb: emb
            with contextlib.redirect_stdout(io.StringIO()):
                _, cli_add_s = timed(lambda s=s, src=src: cli_mod.cmd_add(argparse.Namespace(files=[str(src)],
                                                                                              quiet=True), s))
            # in the app: Engine.reindex as an upload runs it (build beside the loaded index, load the new one
            # reusing its segments, update the answerer, swap); merges then run in the background
            engine = Engine(s, emb).load()
            engine.wait_idle()  # its warm-up, as an admin's first add comes minutes after the app starts

            def app_add(name: str, text: str, engine=engine, corpus=corpus, emb=emb):
                (corpus / name).write_text(text, encoding="utf-8")
                emb.embed_s = 0.0
                t = time.perf_counter()
                result = engine.reindex(only=[name])
                took = time.perf_counter() - t
                t = time.perf_counter()
                engine.wait_idle()  # adds are minutes apart: each finds the previous one's merge done
                return result, took, emb.embed_s, time.perf_counter() - t if engine.answerer.index.manifest.generation \
                    != result.manifest.generation else 0.0

            app, app_s, app_embed_s, _ = app_add("zz-new-b.txt", "Added for the benchmark, again\n" + new_report)
            ratios, seconds, overheads, merge_s = [], [], [], []
            extra, _, extra_auth = synth.make(14 * runs)
            for k in range(runs):
                a = synth.names[int(extra_auth[14 * k])]
                body = (f"{a}: local authority assessment\nSafeguarding\nScore: 2\n2 - Evidence shows some "
                        "shortfalls\nKey findings for this quality statement\n" + "\n".join(extra[14 * k:14 * k + 14]))
                _, took, embed_s, merged_s = app_add(f"zz-run-{k:03d}.txt", body)
                seconds.append(took)
                ratios.append(took / embed_s)
                overheads.append(took - embed_s)
                if merged_s:
                    merge_s.append(merged_s)
            out[n] = {"chunks": base.chunks, "reports": len(base.manifest.reports), "base_build_s": base_s,
                      "load_s": load_s,
                      "cli_s": cli_s, "cli_add_s": cli_add_s, "app_s": app_s, "embed_alone_s": alone_s,
                      "app_embed_s": app_embed_s, "embedded": cli.embedded, "cli_written": cli.written,
                      "runs": {"n": runs, "p50_ratio": pct(ratios, 50), "max_ratio": max(ratios),
                               "max_s": max(seconds), "p50_overhead_s": pct(overheads, 50),
                               "max_overhead_s": max(overheads), "background_merges": len(merge_s),
                               "longest_merge_s": max(merge_s, default=0.0),
                               "segments_after": len(engine.answerer.index.segments)}}
            print(f"  {n:>7,} passages ({base.chunks:,} chunks, {len(base.manifest.reports):,} reports): add one "
                  f"report, then `index` (scans corpus/) {cli_s:5.2f} s ({cli.embedded} texts embedded) "
                  f"vs embedding it alone {alone_s:5.2f} s = {cli_s / alone_s:4.2f}x; in the app (build + load + "
                  f"swap) {app_s:5.2f} s = {app_s / alone_s:4.2f}x   (base build {base_s:.0f} s; loading "
                  f"it in a new process {load_s:.1f} s)")
            print(f"           add it with `python -m assistant add` (no corpus scan; the upload's checks) "
                  f"{cli_add_s:5.2f} s = {cli_add_s / alone_s:4.2f}x")
            print(f"           {runs} more adds in the app: p50 {pct(ratios, 50):4.2f}x, max {max(ratios):4.2f}x "
                  f"their own embedding; beyond it p50 {pct(overheads, 50) * 1000:.0f} ms, max "
                  f"{max(overheads) * 1000:.0f} ms; {len(merge_s)} merges after the swap, in the background "
                  f"(longest {max(merge_s, default=0.0):.2f} s); {len(engine.answerer.index.segments)} segments after")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--skip-hnsw", action="store_true", help="HNSW takes long to build at 1M on two cores")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--incremental", default="1000,10000,100000,500000",
                    help="corpus sizes at which to time adding one report: synthetic passages, written 14 to "
                         "a report file (the chunker splits the longer ones: the chunk count is printed)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]

    settings = Settings.from_env()
    embedder = SentenceTransformerEmbedder(settings.resolved_model_path())
    try:
        index = store.load(settings)
    except Exception:  # noqa: BLE001 - build the bundled index if it is missing or stale in format
        store.build(settings, embedder)
        index = store.load(settings)
    questions = [json.loads(x)["question"] for x in
                 (ROOT.parent / "shared" / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    embedder.warm_up()
    real_queries = np.stack([embedder.embed_query(q) for q in questions])
    synth = Synthetic(index)
    results: dict = {"sizes": {}}
    encode = []
    for q in questions * 3:
        t = time.perf_counter()
        embedder.embed_query(q)
        encode.append(time.perf_counter() - t)
    enc_p50 = pct(encode, 50)
    print(f"bare query encoding p50 {enc_p50 * 1000:.1f} ms (the unavoidable cost of an answer)")

    for n in sizes:
        (texts, vectors, auth), make_s = timed(lambda n=n: synth.make(n))
        rng = np.random.default_rng(n)
        noisy = vectors[rng.integers(0, n, size=max(0, args.queries - len(real_queries)))]
        noisy = noisy + rng.normal(0, 0.05, noisy.shape).astype(np.float32)
        queries = np.vstack([real_queries, noisy / np.linalg.norm(noisy, axis=1, keepdims=True)]).astype(np.float32)
        print(f"\n== {n:,} chunks (made in {make_s:.1f} s; {vectors.nbytes / 1e6:.0f} MB of vectors)")
        exact, exact_ids = dense_row(FLAT, vectors, queries, None)
        rows = {"flat": exact}
        rows["ivf"], _ = dense_row(IVF, vectors, queries, exact_ids, nprobe=settings.ivf_nprobe)
        if not args.skip_hnsw or n <= 100_000:
            rows["hnsw"], _ = dense_row(HNSW, vectors, queries, exact_ids)
        for name, r in rows.items():
            recall = f"recall@10 {r['recall']:.3f}" if r["recall"] is not None else "exact"
            if r.get("nprobe"):
                recall += f" (nprobe {r['nprobe']})"
            print(f"  {name:5} search p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms  {recall:29}  "
                  f"index {r['bytes'] / 1e6:7.0f} MB  build {r['build_s']:6.1f} s  load {r['load_s']:5.2f} s")
        # BM25 at this size: sparse matrix scores, no per-query Python loop over documents
        lex, lex_s = timed(lambda texts=texts: BM25([Terms.build(texts)]))
        lat = []
        for q in questions * 2:
            t = time.perf_counter()
            scores = lex.scores(q)
            np.argpartition(-scores, 50)[:50]
            lat.append(time.perf_counter() - t)
        print(f"  bm25  query p50 {pct(lat, 50) * 1000:7.2f} ms  p95 {pct(lat, 95) * 1000:7.2f} ms  "
              f"(index built in {lex_s:.1f} s)")
        row = {"dense": rows, "bm25": {"build_s": lex_s, "p50_ms": pct(lat, 50) * 1000, "p95_ms": pct(lat, 95) * 1000}}
        del lex
        if n <= 100_000:
            # one segment (after a full build), and the most segments the merge policy leaves at this size
            # (7 below 1,000 chunks and 7 below 8,000 beside the large one: ASSISTANT_MERGE_FACTOR 8)
            layouts = {"1 segment": ()}
            if n >= 100_000:
                layouts["15 segments"] = (500,) * 7 + (4000,) * 7
            row["ask"] = {}
            for label, split in layouts.items():
                idx = in_memory_index(texts, vectors, auth, synth.names, "auto", split=split)
                answerer = Answerer(idx, embedder, Settings(corpus_dir=Path("/nonexistent"), index_dir=Path(".")))
                for q in questions[:3]:
                    answerer.ask(q)
                ask_lat = []
                for q in questions * 2:
                    t = time.perf_counter()
                    answerer.ask(q)
                    ask_lat.append(time.perf_counter() - t)
                r = {"p50_ms": pct(ask_lat, 50) * 1000, "p95_ms": pct(ask_lat, 95) * 1000,
                     "ratio_p50": pct(ask_lat, 50) / enc_p50, "dense_kind": idx.manifest.dense_kind,
                     "segments": len(idx.segments)}
                row["ask"][label] = r
                print(f"  ask   p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  = {r['ratio_p50']:.2f}x the bare "
                      f"encoding (goal <= 2 at 100k; {label}, the largest {r['dense_kind']})")
                del idx, answerer
        results["sizes"][n] = row

    results["incremental"] = incremental(synth, embedder, [int(x) for x in args.incremental.split(",") if x])

    # cold start: process start to first answer, index present, against importing the model libraries
    env = {**os.environ}
    _, imports_s = timed(lambda: subprocess.run([sys.executable, "-c", "import torch, sentence_transformers"],
                                                check=True, env=env))
    first = [sys.executable, "-m", "assistant", "ask", "How do young people move to adult services?"]
    _, first_s = timed(lambda: subprocess.run(first, cwd=ROOT, check=True, env=env, capture_output=True))
    _, load_s = timed(lambda: store.load(settings))
    print(f"\ncold start: first answer from a new process {first_s:.1f} s; importing torch + "
          f"sentence-transformers alone {imports_s:.1f} s; loading the bundled index {load_s * 1000:.0f} ms")
    results["cold_start"] = {"first_answer_s": first_s, "imports_s": imports_s, "index_load_s": load_s}
    results["encode_p50_ms"] = enc_p50 * 1000
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()

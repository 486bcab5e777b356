"""Index build cost against the one unavoidable cost, embedding the chunks, measured in one run.

    python bench/index_build.py [--repeat 3]

Prints, as medians over the repeats (alternating the two so drift on a shared machine hits both):
- bare `model.encode` of exactly the texts the index embeds (chunks and quotable sentences), same batch size;
- a full `build(rebuild=True)` of the bundled corpus into a scratch folder (read, parse, chunk, embed,
  FAISS, BM25, write, swap);
- an incremental build after adding one report, against embedding that report's texts alone.
The model is loaded before timing: import and load are start-up costs, not indexing costs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import store  # noqa: E402
from assistant.embed import SentenceTransformerEmbedder  # noqa: E402
from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402

NEW_REPORT = PROJECT_ROOT / "corpus" / "001_d6b23fda1bcedbce.txt"


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        corpus = work / "corpus"
        shutil.copytree(PROJECT_ROOT / "corpus", corpus)
        base = Settings.from_env()
        settings = Settings(corpus_dir=corpus, index_dir=work / "index", chunk_chars=base.chunk_chars,
                            embed_batch_size=base.embed_batch_size)
        embedder = SentenceTransformerEmbedder(settings.resolved_model_path(), settings.embed_batch_size)
        embedder.warm_up()
        chunks = store.prepare(settings).chunks
        texts = store.texts_to_embed(chunks)  # chunks and quotable sentences, as the build embeds them
        embedder.embed_documents(texts[:8])  # first-call warm-up of the tokenizer and kernels

        bare, full = [], []
        for _ in range(args.repeat):
            bare.append(timed(lambda: embedder.model.encode(texts, batch_size=settings.embed_batch_size,
                                                            normalize_embeddings=True)))
            full.append(timed(lambda: store.build(settings, embedder, rebuild=True)))

        # incremental: one more report (a copy under a new name with a changed first line), vs embedding it
        (corpus / "zz_new.txt").write_text("Copy for the benchmark\n" + NEW_REPORT.read_text(encoding="utf-8"),
                                           encoding="utf-8")
        new_texts = store.texts_to_embed([c for c in store.prepare(settings).chunks if c.doc == "zz_new.txt"])
        inc, alone = [], []
        for _ in range(args.repeat):
            store.build(settings, embedder)  # make sure zz_new is indexed, then time removing/adding it
            shutil.move(corpus / "zz_new.txt", work / "zz_new.txt")
            store.build(settings, embedder)
            shutil.move(work / "zz_new.txt", corpus / "zz_new.txt")
            inc.append(timed(lambda: store.build(settings, embedder)))
            alone.append(timed(lambda: embedder.model.encode(new_texts, batch_size=settings.embed_batch_size,
                                                             normalize_embeddings=True)))
        # removing it above re-used every vector: the incremental build embedded only the new report
        med = statistics.median
        print(f"corpus: {len(store.prepare(settings).entries) - 1} reports, {len(chunks)} chunks, {len(texts)} texts "
              f"to embed (chunks and quotable sentences); repeat {args.repeat}; medians")
        print(f"bare model.encode of the same {len(texts)} texts : {med(bare):7.2f} s")
        print(f"full index build (rebuild)                  : {med(full):7.2f} s")
        print(f"  ratio build / bare encode                 : {med(full) / med(bare):7.3f}  "
              f"(overhead {100 * (med(full) / med(bare) - 1):+.1f}%, goal <= +10%)")
        print(f"embed the new report alone ({len(new_texts)} texts)        : {med(alone):7.2f} s")
        print(f"incremental build adding that report        : {med(inc):7.2f} s")
        print(f"  ratio incremental / embedding it alone    : {med(inc) / med(alone):7.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The index in segments: an add writes only its own, removed and replaced reports are never served,
merges keep the count small, and an incremental index answers exactly as a full rebuild does."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import bm25s
import numpy as np
import pytest
from conftest import CAMDEN, DERBYSHIRE, WINTER, text_of
from fakes import FakeEmbedder

from assistant import admin, store
from assistant import corpus as corpus_mod
from assistant.lexical import BM25, Terms, tokenize
from assistant.retrieve import Retriever
from assistant.segment import level, plan_merge
from assistant.service import Engine
from assistant.settings import Settings

QUERIES = ["hospital discharge pathways", "young people moving to adult services", "PPE for unpaid carers",
           "safeguarding triage hub", "flu vaccination for care staff", "what did Camden score"]


WORDS = ("care home hospital discharge carers unpaid young people transition adult services safeguarding triage "
         "referral hub staff spring winter flu vaccine visits PPE stock supply wellbeing housing reablement "
         "assessment waiting list advocacy dementia learning disability mental health respite funding council "
         "partners providers market workforce recruitment training review quality monitoring digital").split()


def report(authority: str, n: int = 3) -> str:
    """A small CQC-style report whose sentences differ from every other's (no ties in the rankings)."""
    rng = np.random.default_rng(sum(map(ord, authority)) * 100 + n)
    lines = [f"{authority}: local authority assessment", "Safeguarding", "Score: 2",
             "2 - Evidence shows some shortfalls", "Key findings for this quality statement"]
    for i in range(n):
        words = " ".join(rng.choice(WORDS, size=10 + i % 5))
        lines.append(f"In {authority} the {words} waited {i + 2} weeks. Leaders said the {authority} hub would "
                     f"add {rng.choice(WORDS)} staff.")
    return "\n".join(lines) + "\n"


def scores(settings: Settings) -> list[dict[str, tuple[float, float]]]:
    """Per query, every served chunk's (BM25 score, cosine), by chunk id: what rankings are made from,
    free of the order in which ties happen to be broken."""
    index = store.load(settings)
    fake = FakeEmbedder()
    out = []
    for q in QUERIES:
        bm25 = index.lexical.scores(q)
        dense = dict(index.search_dense(fake.embed_query(q), len(index.chunks), index.live_mask()))
        out.append({c.id: (round(float(bm25[i]), 5), round(dense[i], 5)) for i, c in enumerate(index.chunks)
                    if index.is_live(i)})
    return out


def inodes(gen: Path) -> dict[str, int]:
    return {str(p.relative_to(gen)): p.stat().st_ino for p in gen.glob("seg-*/*")}


# ---------------------------------------------------------------------------------------------- BM25

def test_bm25_over_segments_scores_exactly_as_bm25s_over_one_index():
    texts = [p for p in text_of(WINTER).split("\n") + text_of(CAMDEN).split("\n") if p.strip()]
    toks = tokenize(texts)
    ref = bm25s.BM25()  # method "lucene", k1 1.5, b 0.75: what lexical.py implements
    ref.index(toks, show_progress=False)
    a, b = len(toks) // 3, 2 * len(toks) // 3
    parts = [Terms.from_tokens(toks[:a]), Terms.from_tokens(toks[a:b]), Terms.from_tokens(toks[b:])]
    merged = Terms.merge([(p, np.arange(p.n_docs)) for p in parts])
    for q in ["hospital discharge", "young people adult services transition", "carers carers PPE"]:
        want = np.asarray(ref.get_scores([t for t in tokenize([q])[0] if t in ref.vocab_dict]))
        assert want.max() > 0
        np.testing.assert_allclose(BM25(parts).scores(q), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(BM25([merged]).scores(q), want, rtol=1e-5, atol=1e-6)


def test_merging_term_counts_drops_the_chunks_left_out():
    a = Terms.from_tokens([["carer", "ppe"], ["hospit", "discharg"], ["carer"]])
    m = Terms.merge([(a, np.array([0, 2]))])
    assert m.n_docs == 2 and "hospit" not in m.vocab and m.df("carer") == 2 and m.df("ppe") == 1


# ---------------------------------------------------------------------------------------------- merge policy

def test_merge_policy_merges_a_full_level_only():
    assert level(30, 8, 1000) == 0 and level(1000, 8, 1000) == 1 and level(8000, 8, 1000) == 2
    assert plan_merge([30] * 7) == []
    assert plan_merge([100_000] + [30] * 8) == list(range(1, 9))  # the small ones, never the large one
    assert plan_merge([100_000, 5000, 5000, 5000] + [30] * 3) == []
    assert plan_merge([2000] * 8 + [30]) == list(range(8))


def test_segment_count_stays_logarithmic_over_many_adds():
    sizes, copied = [50_000], 0
    for _ in range(600):
        sizes.append(30)
        while group := plan_merge(sizes):
            merged = sum(sizes[i] for i in group)
            copied += merged
            sizes = [s for i, s in enumerate(sizes) if i not in group] + [merged]
        assert len(sizes) <= 1 + 7 * 3
    assert copied / (600 * 30) < 4  # each added chunk copied a few times, not once per add


# ---------------------------------------------------------------------------------------------- building

def test_an_add_writes_only_its_own_segment_and_links_the_rest(settings, fake):
    first = store.build(settings, fake)
    gen1 = settings.index_dir / first.manifest.generation
    before = inodes(gen1)
    (settings.corpus_dir / "zz-new.txt").write_text(report("Exampleshire"), encoding="utf-8")
    counting = FakeEmbedder()
    second = store.build(settings, counting)
    assert len(second.written) == 1 and second.kept == first.chunks and second.merged == 0
    assert {t.split("\n")[0].split(":")[0] for t in counting.embedded} == {"Exampleshire County Council"} or \
        all("Exampleshire" in t for t in counting.embedded)
    gen2 = settings.index_dir / second.manifest.generation
    after = inodes(gen2)
    assert all(after[rel] == ino for rel, ino in before.items())  # the same files: hard links, not copies
    m = second.manifest
    assert m.reports["zz-new.txt"].segment == second.written[0] and len(m.segments) == 2
    # the manifest holds what changed, not every report
    assert set(m.stored[second.written[0]]) == {"zz-new.txt"}
    hits = Retriever(store.load(settings), fake, settings).search("Exampleshire safeguarding triage hub", top_k=1)
    assert hits[0].chunk.doc == "zz-new.txt"


def test_incremental_index_scores_exactly_as_a_full_rebuild(tmp_path, corpus_dir):
    s = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "inc", merge_factor=3, merge_base=10)
    store.build(s, FakeEmbedder())
    merged = 0
    for i, name in enumerate(["Northford", "Southwick", "Eastham", "Westbury", "Kingsdale"]):
        (corpus_dir / f"zz-{i}.txt").write_text(report(f"{name} County Council", 2 + i), encoding="utf-8")
        merged += store.build(s, FakeEmbedder()).merged
    (corpus_dir / "zz-0.txt").unlink()  # removed: its chunks stay in a segment's files, never served
    (corpus_dir / "zz-4.txt").write_text(report("Kingsdale County Council", 9), encoding="utf-8")  # replaced
    s = dataclasses.replace(s, merge_factor=50)  # no merge now: the removed chunks stay in their segment
    store.build(s, FakeEmbedder())
    assert store.load(s).live_mask() is not None  # removed chunks are still in the files, and counted out
    full = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "full")
    store.build(full, FakeEmbedder())
    assert merged >= 3  # merges happened along the way
    inc, ref = scores(s), scores(full)
    assert inc == ref and len(inc[0]) == len(store.load(full).chunks)
    index = store.load(s)
    assert "zz-0.txt" not in index.texts and index.texts["zz-4.txt"] == (corpus_dir / "zz-4.txt").read_text()


def test_removed_and_replaced_reports_are_never_searched_or_quoted(settings, fake):
    (settings.corpus_dir / "zz-a.txt").write_text(report("Exampleshire County Council", 4), encoding="utf-8")
    (settings.corpus_dir / "zz-b.txt").write_text(report("Westshire County Council", 4), encoding="utf-8")
    store.build(settings, fake)
    (settings.corpus_dir / "zz-a.txt").unlink()
    (settings.corpus_dir / "zz-b.txt").write_text(report("Westshire County Council", 1), encoding="utf-8")
    result = store.build(settings, fake)
    assert result.written and len(result.manifest.segments) == 2  # the first segment carried, not rewritten
    index = store.load(settings)
    assert index.live_mask() is not None and not index.live_mask().all()
    r = Retriever(index, fake, settings)
    for q in ["Exampleshire safeguarding referral", "Westshire safeguarding referral number 3", *QUERIES]:
        for h in r.search(q, top_k=20):
            assert h.chunk.doc in index.manifest.reports and index.is_live(h.position)
            assert index.texts[h.chunk.doc][h.chunk.start:h.chunk.end] == \
                (settings.corpus_dir / h.chunk.doc).read_text()[h.chunk.start:h.chunk.end]
    assert "zz-a.txt" not in index.texts


def test_a_mostly_removed_segment_is_rewritten_without_them(settings, fake):
    store.build(settings, fake)
    for doc in (DERBYSHIRE, WINTER):
        (settings.corpus_dir / doc).unlink()
    result = store.build(settings, fake)
    (info,) = result.manifest.segments
    assert result.written == [info.name] and info.chunks == result.chunks  # no dead chunks left on disk


def test_unchanged_reports_are_recognised_without_reading_them(settings, fake, monkeypatch):
    monkeypatch.setattr(corpus_mod, "RACY_NS", 0)
    store.build(settings, fake)
    reads = []
    real = corpus_mod.read_report
    monkeypatch.setattr(corpus_mod, "read_report", lambda p, m: reads.append(p.name) or real(p, m))
    again = store.build(settings, fake)
    assert reads == [] and again.written == []
    os.utime(settings.corpus_dir / CAMDEN)  # touched, same bytes: hashed, not parsed or written
    touched = store.build(settings, fake)
    assert reads == [CAMDEN] and touched.written == [] and touched.kept == again.kept


def test_a_same_size_edit_right_after_indexing_is_caught(settings, fake):
    path = settings.corpus_dir / CAMDEN
    text = path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")  # saved just now, then indexed
    store.build(settings, fake)
    st = path.stat()
    edited = text.replace("borough", "BOROUGH", 1)
    assert edited != text and len(edited) == len(text)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same time: only the racy check saves it
    result = store.build(settings, fake)
    assert result.written and store.load(settings).texts[CAMDEN] == edited


def test_the_app_reuses_its_loaded_segments_and_reads_only_the_upload(settings, monkeypatch):
    engine = Engine(dataclasses.replace(settings, admin_password="pw"), FakeEmbedder(),
                    admin.AdminGate("pw", max_delay=0)).load()
    before = engine.answerer.index.segments
    reads = []
    real = corpus_mod.read_report
    monkeypatch.setattr(corpus_mod, "read_report", lambda p, m: reads.append(p.name) or real(p, m))
    checks = engine.check_uploads([("exampleshire.txt", report("Exampleshire County Council").encode())])
    reads.clear()
    written, result = engine.add(checks)
    assert written == ["exampleshire.txt"] and reads == ["exampleshire.txt"]
    after = engine.answerer.index.segments
    assert after[0] is before[0] and len(after) == 2  # the same object: not read from disk again
    assert engine.ask("Exampleshire safeguarding triage hub").citations[0].doc == "exampleshire.txt"
    engine.remove("exampleshire.txt")
    assert "exampleshire.txt" not in engine.answerer.index.texts


def test_a_damaged_segment_is_not_carried_into_the_next_index(settings, fake):
    store.build(settings, fake)
    gen = settings.index_dir / store.read_manifest(settings.index_dir).generation
    (next(gen.glob("seg-*")) / "terms.npz").unlink()
    with pytest.raises(store.IndexCorrupt):
        store.load(settings)
    store.build(settings, fake)  # sees the damage, so embeds everything again into fresh files
    assert len(store.load(settings).chunks) > 100


def derived(answerer) -> dict:
    """Everything an answerer and its index derive from the reports, comparable between two of them."""
    idx, cat = answerer.index, answerer.catalog
    m = idx.manifest
    return {"reports": {d: dict(e.__dict__) for d, e in m.reports.items()}, "changed": set(m.changed),
            "dead": {k: v for k, v in m.dead.items() if v}, "lookup": m.lookup, "texts": idx.texts,
            "words": idx.common_words(), "live": None if idx.live_mask() is None else idx.live_mask().tolist(),
            "bm25": (idx.lexical.n_live, round(idx.lexical.avg_len, 9), +idx.lexical.removed.df),
            "metadata": answerer._reports, "superseded": answerer.retriever._superseded,
            "facets": answerer.retriever.facets(),
            "catalog": (cat.authorities, cat.kinds_of, cat.scores, cat.ratings, sorted(cat.titles))}


def test_the_apps_swap_updates_what_it_derives_exactly_as_a_fresh_load(settings, fake):
    """The app updates its manifest, lookups, catalogue and filters for the reports an add touched, rather
    than going over every report: after adds, a newer version, a replacement and removals, all of it is
    what a new process loading the same index derives."""
    from assistant.answer import Answerer

    s = dataclasses.replace(settings, merge_factor=4, merge_base=10)
    engine = Engine(s, fake).load()
    merged = 0
    steps = [("zz-1.txt", report("Northford County Council", 3)), ("zz-2.txt", report("Southwick County Council", 2)),
             ("zz-3.txt", report("Northford County Council", 5)),  # a newer version: zz-1 superseded
             ("zz-2.txt", report("Southwick County Council", 6)),  # replaced
             ("zz-4.txt", report("Eastham County Council", 2)), ("zz-5.txt", report("Westbury County Council", 3)),
             ("zz-3.txt", None),  # removed: zz-1 is the current version again
             (CAMDEN, None)]
    seen_flip = False
    for name, text in steps:
        if text is None:
            (s.corpus_dir / name).unlink()
        else:
            (s.corpus_dir / name).write_text(text, encoding="utf-8")
        before = engine.answerer
        added = engine.reindex(only=[name])
        assert added.merged == 0 and name in added.manifest.touched  # merging is left for after the swap
        engine.wait_idle()
        after = engine.answerer
        assert added.manifest.parent == before.index.manifest.generation  # the incremental path was taken
        if after.index.manifest.generation != added.manifest.generation:  # merged in the background
            assert after.index.manifest.parent == added.manifest.generation and not after.index.manifest.touched
            merged += 1
        fresh = Answerer(store.load(s), fake, s)
        assert fresh.index.manifest.touched is None
        assert derived(after) == derived(fresh), f"after {name}"
        seen_flip |= bool(after.index.manifest.changed)
    final = engine.answerer.index.manifest
    assert seen_flip and merged and final.reports["zz-1.txt"].metadata["superseded_by"] is None
    assert "zz-3.txt" not in final.lookup.by_words.values() and CAMDEN not in final.reports


def test_many_changed_entries_are_written_back_to_their_segment_not_carried_in_every_manifest(settings, fake,
                                                                                              monkeypatch):
    """A corpus copied anew (every file's time changed) changes every entry. They are written once into a
    new entries file for their segment, whose other files stay linked, so later builds do not write them
    all into each manifest; an older generation keeps its own entries file."""
    monkeypatch.setattr(corpus_mod, "RACY_NS", 0)
    monkeypatch.setattr(store, "REFRESH_MIN", 2)
    first = store.build(settings, fake)
    (info,) = first.manifest.segments
    gen1 = settings.index_dir / first.manifest.generation
    old_entries = (gen1 / info.name / info.reports).read_bytes()
    for p in settings.corpus_dir.iterdir():
        os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**9))
    second = store.build(settings, fake)
    m = second.manifest
    (info2,) = m.segments
    assert second.written == [] and info2.name == info.name and info2.reports != info.reports
    assert m.changed == {} and (gen1 / info.name / info.reports).read_bytes() == old_entries
    gen2 = settings.index_dir / m.generation
    assert os.stat(gen2 / info.name / "vectors.npy").st_ino == os.stat(gen1 / info.name / "vectors.npy").st_ino
    fresh = store.read_manifest(settings.index_dir, first.manifest)  # `first` holds the old entries file
    assert {d: dict(e.__dict__) for d, e in fresh.reports.items()} == \
        {d: dict(e.__dict__) for d, e in m.reports.items()}
    assert all(e.mtime_ns == (settings.corpus_dir / d).stat().st_mtime_ns for d, e in fresh.reports.items())


def test_an_add_during_a_background_merge_waits_for_it_and_answers_keep_coming(settings, fake, monkeypatch):
    s = dataclasses.replace(settings, merge_factor=2, merge_base=10)
    engine = Engine(s, fake).load()
    real_build, events = store.build, []

    def slow_merge(*args, **kw):
        if kw.get("only") == ():
            events.append("merge starts")
            time.sleep(0.5)
            assert engine.ask("what did Camden score?", report=CAMDEN).citations  # served meanwhile
            events.append("merge ends")
        return real_build(*args, **kw)

    monkeypatch.setattr(store, "build", slow_merge)
    for i, name in enumerate(["Northford", "Southwick"]):
        (s.corpus_dir / f"zz-{i}.txt").write_text(report(f"{name} County Council", 3), encoding="utf-8")
        engine.reindex(only=[f"zz-{i}.txt"])
    assert engine.merging and events == ["merge starts"]  # two small segments: merged after the swap
    (s.corpus_dir / "zz-2.txt").write_text(report("Eastham County Council", 3), encoding="utf-8")
    events.append("add starts")
    engine.reindex(only=["zz-2.txt"])  # waits for the merge, then adds
    events.append("add ends")
    engine.wait_idle()
    assert events[:3] == ["merge starts", "add starts", "merge ends"] and "add ends" in events[3:]
    assert not engine.merging
    index = engine.answerer.index
    assert {"zz-0.txt", "zz-1.txt", "zz-2.txt"} <= set(index.manifest.reports)
    assert store.merge_due(index.manifest, s) is False and len(index.segments) <= 3


def test_an_index_swapped_out_is_freed_without_the_garbage_collector(settings, fake):
    """The app hides the loaded index from the cyclic garbage collector (gc.freeze), so an index swapped out
    must be freed by reference counting alone: nothing in it may refer back to itself."""
    import gc
    import weakref

    engine = Engine(settings, fake).load()
    engine.wait_idle()
    gc.disable()
    try:
        old = [weakref.ref(x) for x in (engine.answerer, engine.answerer.index, engine.answerer.index.manifest,
                                         engine.answerer.retriever, engine.answerer.index.segments[0])]
        (settings.corpus_dir / "zz-1.txt").write_text(report("Northford County Council"), encoding="utf-8")
        engine.reindex(only=["zz-1.txt"])
        (settings.corpus_dir / CAMDEN).unlink()
        engine.reindex(only=[CAMDEN])
        engine.wait_idle()
        assert engine.ask("what did Derbyshire score?").citations
        *gone, segment = old
        assert [r() is None for r in gone] == [True] * len(gone)
        assert segment() is None or any(segment() is s for s in engine.answerer.index.segments)  # or still served
    finally:
        gc.enable()


def test_loading_an_index_parses_no_chunk_until_one_is_used(settings, fake, monkeypatch):
    """A large index loads fast because nothing per chunk is parsed at load: chunks and the words of
    quotable units are read from their segment's files when first used."""
    from assistant import segment as segment_mod

    store.build(settings, fake)
    parsed = []
    real = segment_mod.chunk_from_json
    monkeypatch.setattr(segment_mod, "chunk_from_json", lambda line: parsed.append(1) or real(line))
    index = store.load(settings)
    assert parsed == [] and len(index.chunks) > 100
    c = index.chunks[7]
    assert len(parsed) == 1 and index.chunks[7] is c and index.chunks[-1].doc in index.texts
    assert index.texts[c.doc][c.start:c.end] == (settings.corpus_dir / c.doc).read_text(encoding="utf-8")[c.start:c.end]
    hit = Retriever(index, fake, settings).search("young people moving to adult services", top_k=1)[0]
    assert hit.chunk is index.chunks[hit.position] and len(parsed) < len(index.chunks) // 2
    assert [x.id for x in index.chunks] == [x.id for x in list(index.chunks)[:]]  # iteration reads them all

"""The index on disk: save/load, incremental builds, crash safety, staleness, corruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import DERBYSHIRE, WINTER
from fakes import FailingEmbedder, FakeEmbedder

from assistant import store
from assistant.errors import IndexCorrupt, IndexMissing
from assistant.retrieve import Retriever
from assistant.settings import Settings

NEW_REPORT = """Exampleshire County Council: local authority assessment
Safeguarding
Score: 2
2 - Evidence shows some shortfalls
Key findings for this quality statement
Safeguarding referrals in Exampleshire waited up to nine weeks for triage. Leaders said a new triage hub opened in May.
"""


def seg(gen: Path) -> Path:
    """The (first) segment folder of a generation."""
    return sorted(gen.glob("seg-*"))[0]


def _search(settings, embedder, query, k=5):
    return [(h.chunk.id, round(h.score, 9)) for h in Retriever(store.load(settings), embedder, settings)
            .search(query, top_k=k)]


def test_load_without_an_index_says_how_to_build_one(settings):
    with pytest.raises(IndexMissing, match=r"python -m assistant index"):
        store.load(settings)


def test_save_then_load_gives_identical_results(settings, fake):
    store.build(settings, fake)
    first = _search(settings, fake, "hospital discharge pathways")
    again = _search(settings, FakeEmbedder(), "hospital discharge pathways")
    assert first and first == again
    idx = store.load(settings)
    assert len(idx.segments) == 1  # a first build writes one segment
    assert len(idx.chunks) == len(idx.segments[0].vectors) == idx.segments[0].dense.size == idx.lexical.n_docs


def test_manifest_records_versions_model_and_a_hash_per_report(settings, fake):
    m = store.build(settings, fake).manifest
    assert m.format_version == store.FORMAT_VERSION and m.model_id == "fake@1" and m.dim == 256
    assert m.chunker_version
    for doc, entry in m.reports.items():
        import hashlib
        assert entry.sha256 == hashlib.sha256((settings.corpus_dir / doc).read_bytes()).hexdigest()


def test_unchanged_corpus_is_never_re_embedded(settings, fake):
    first = store.build(settings, fake)
    assert first.chunks > 100
    assert first.embedded == len(fake.embedded) == len(set(fake.embedded)) > first.chunks  # chunks + sentences
    again = FakeEmbedder()
    second = store.build(settings, again)
    assert second.embedded == 0 and again.embedded == []
    assert second.kept == first.chunks and second.written == []  # its segment carried over, not rewritten


def test_adding_a_report_embeds_only_its_chunks(settings, fake):
    store.build(settings, fake)
    (settings.corpus_dir / "new.txt").write_text(NEW_REPORT, encoding="utf-8")
    counting = FakeEmbedder()
    result = store.build(settings, counting)
    new_chunks = [c for c in store.load(settings).chunks if c.doc == "new.txt"]
    assert new_chunks and result.embedded == len(counting.embedded) >= len(new_chunks)
    assert all(t.startswith("Exampleshire County Council") for t in counting.embedded)
    hits = Retriever(store.load(settings), counting, settings).search("safeguarding triage hub", top_k=1)
    assert hits[0].chunk.doc == "new.txt"


def test_every_version_indexed_keeps_its_text_by_hash(settings, fake):
    first = store.build(settings, fake).manifest
    keys = {doc: store.text_key(e.sha256) for doc, e in first.reports.items()}
    for doc, key in keys.items():
        text, about = store.kept_text(settings.index_dir, key)
        assert text == store.load(settings).texts[doc] and about["doc"] == doc
    # a changed report keeps its old version's text beside the new one's; a removed one keeps it too
    path = settings.corpus_dir / WINTER
    path.write_text(path.read_text(encoding="utf-8") + "\nAn added line.\n", encoding="utf-8")
    (settings.corpus_dir / DERBYSHIRE).unlink()
    second = store.build(settings, fake).manifest
    assert "An added line." not in store.kept_text(settings.index_dir, keys[WINTER])[0]
    assert "An added line." in store.kept_text(settings.index_dir, store.text_key(second.reports[WINTER].sha256))[0]
    assert store.kept_text(settings.index_dir, keys[DERBYSHIRE])[1]["authority"] == "Derbyshire County Council"
    # an index built before texts were kept gets them when served; a key that is no hash names nothing
    import shutil

    shutil.rmtree(settings.index_dir / store.TEXTS_DIR)
    assert store.keep_texts(settings.index_dir, second) == len(second.reports)
    assert store.keep_texts(settings.index_dir, second) == 0
    for bad in ("../../etc/passwd", "", "abc", keys[WINTER] + "0", keys[WINTER].upper()):
        assert store.kept_text(settings.index_dir, bad) is None


def test_rebuild_re_embeds_everything(settings, fake):
    first = store.build(settings, fake)
    again = FakeEmbedder()
    assert store.build(settings, again, rebuild=True).embedded == first.embedded


def test_another_model_re_embeds_everything(settings, fake):
    first = store.build(settings, fake)
    other = FakeEmbedder(model_id="other@2")
    assert store.build(settings, other).embedded == first.embedded


def test_a_crash_mid_build_leaves_the_previous_index_usable(settings, fake):
    store.build(settings, fake)
    before = _search(settings, fake, "unpaid carers")
    (settings.corpus_dir / "new.txt").write_text(NEW_REPORT, encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.build(settings, FailingEmbedder(), rebuild=True)
    assert _search(settings, fake, "unpaid carers") == before
    assert "new.txt" not in store.load(settings).manifest.reports


def _kill_build_at(settings: Settings, tmp_path: Path, step: str) -> None:
    """Run a build in another process and SIGKILL it when it reaches `step`."""
    marker = tmp_path / f"reached-{step}"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from pathlib import Path
        from fakes import FakeEmbedder
        from assistant import store
        from assistant.settings import Settings
        s = Settings(corpus_dir=Path({str(settings.corpus_dir)!r}), index_dir=Path({str(settings.index_dir)!r}))
        def on_step(name):
            if name == {step!r}:
                Path({str(marker)!r}).write_text(name)
                time.sleep(60)
        store.build(s, FakeEmbedder(), rebuild=True, on_step=on_step)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the build finished or died before reaching the step"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("step", ["embed", "write", "swap"])
def test_sigkill_at_any_step_leaves_the_previous_index_and_the_next_build_cleans_up(settings, fake,
                                                                                      tmp_path, step):
    store.build(settings, fake)
    live = store.read_manifest(settings.index_dir).generation
    before = _search(settings, fake, "flu vaccination")
    (settings.corpus_dir / "new.txt").write_text(NEW_REPORT, encoding="utf-8")
    _kill_build_at(settings, tmp_path, step)
    assert store.read_manifest(settings.index_dir).generation == live
    assert _search(settings, fake, "flu vaccination") == before
    store.build(settings, fake)
    leftovers = [p.name for p in settings.index_dir.iterdir() if p.name.startswith(".build-")]
    assert leftovers == []


def test_stale_index_is_detected_with_the_reason(settings, fake):
    store.build(settings, fake)
    m = store.read_manifest(settings.index_dir)
    assert store.stale_reasons(m, store.prepare(settings), fake.model_id, settings) == []
    (settings.corpus_dir / "new.txt").write_text(NEW_REPORT, encoding="utf-8")
    (settings.corpus_dir / DERBYSHIRE).write_text("Derbyshire County Council: local authority assessment\n"
                                                  "Score: 2\n", encoding="utf-8")
    (settings.corpus_dir / WINTER).unlink()
    reasons = store.stale_reasons(m, store.prepare(settings), "other@2", settings)
    assert "new.txt is new" in reasons
    assert f"{DERBYSHIRE} changed" in reasons
    assert f"{WINTER} was removed" in reasons
    assert any(r.startswith("the model changed") for r in reasons)
    changed = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, chunk_chars=200)
    assert "the chunker or its settings changed" in store.stale_reasons(m, store.prepare(changed),
                                                                       fake.model_id, changed)


def test_metadata_change_is_stale_and_re_embeds_only_that_report(settings, fake):
    store.build(settings, fake)
    path = settings.corpus_dir / "metadata.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["reports"][WINTER]["title"] = "Derbyshire Winter Plan 2020 to 2021"
    path.write_text(json.dumps(data), encoding="utf-8")
    m = store.read_manifest(settings.index_dir)
    assert store.stale_reasons(m, store.prepare(settings), fake.model_id, settings) == \
        [f"the metadata of {WINTER} changed"]
    counting = FakeEmbedder()
    result = store.build(settings, counting)
    assert result.embedded == len(counting.embedded) >= m.reports[WINTER].chunks
    assert all("Derbyshire Winter Plan 2020 to 2021" in t.split("\n")[0] for t in counting.embedded)


@pytest.mark.parametrize("damage,message", [
    (lambda gen: (seg(gen) / "vectors.npy").write_bytes((seg(gen) / "vectors.npy").read_bytes()[:100]), "truncated"),
    (lambda gen: (seg(gen) / "dense.faiss").unlink(), "is missing"),
    (lambda gen: (seg(gen) / "chunks.jsonl").unlink(), "is missing"),
    (lambda gen: (gen / "manifest.json").write_text("{broken", encoding="utf-8"), "unreadable"),
    (lambda gen: (gen / "manifest.json").write_text((gen / "manifest.json").read_text().replace(
        f'"format_version": {store.FORMAT_VERSION}', '"format_version": 99')),
     "format version 99"),
])
def test_damaged_index_says_what_is_wrong_and_rebuild_repairs_it(settings, fake, damage, message):
    store.build(settings, fake)
    damage(settings.index_dir / store.read_manifest(settings.index_dir).generation
           if message not in ("unreadable", "format version 99")
           else settings.index_dir / (settings.index_dir / "CURRENT").read_text().strip())
    with pytest.raises(IndexCorrupt, match=message) as err:
        store.load(settings)
    assert "python -m assistant index --rebuild" in str(err.value)
    store.build(settings, fake, rebuild=True)
    assert len(store.load(settings).chunks) > 100


def test_empty_corpus_builds_an_empty_index(tmp_path, fake):
    (tmp_path / "corpus").mkdir()
    s = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    store.build(s, fake)
    idx = store.load(s)
    assert list(idx.chunks) == [] and Retriever(idx, fake, s).search("anything") == []

"""The dense index kinds: chosen by size, forced by a setting, filtered inside FAISS, accurate enough."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.dense import FLAT, HNSW, IVF, Dense, auto_nprobe, choose_kind
from assistant.errors import SettingsError
from assistant.settings import Settings


def clustered(n: int, dim: int = 64, centres: int = 50, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim))
    v = c[rng.integers(0, centres, n)] + rng.normal(0, 0.3, (n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_kind_is_chosen_by_size_unless_forced():
    assert choose_kind(10_000) == FLAT and choose_kind(49_999) == FLAT
    assert choose_kind(50_000) == IVF and choose_kind(1_000_000) == IVF
    assert choose_kind(1_000_000, FLAT) == FLAT and choose_kind(10, HNSW) == HNSW
    assert choose_kind(100, "auto", ivf_threshold=50) == IVF


@pytest.mark.parametrize("kind", [FLAT, IVF, HNSW])
def test_each_kind_finds_near_neighbours_and_respects_filters(kind):
    vectors = clustered(5000)
    exact = Dense.build(vectors, FLAT)
    dense = Dense.build(vectors, kind)
    assert dense.kind == kind and dense.size == 5000
    rng = np.random.default_rng(1)
    queries = vectors[rng.integers(0, 5000, 50)]
    recall = np.mean([len(set(dense.search(q, 10)[1]) & set(exact.search(q, 10)[1])) / 10 for q in queries])
    assert recall >= 0.9
    allowed = np.zeros(5000, dtype=bool)
    allowed[rng.choice(5000, 300, replace=False)] = True
    for q in queries[:10]:
        _, ids = dense.search(q, 10, allowed)
        ids = ids[ids >= 0]
        assert len(ids) and allowed[ids].all()


def test_ivf_saves_loads_and_keeps_its_probe_count(tmp_path):
    dense = Dense.build(clustered(20_000), IVF)
    assert dense.nprobe == auto_nprobe(dense._index.nlist)
    dense.save(tmp_path / "d.faiss")
    again = Dense.load(tmp_path / "d.faiss")
    assert again.kind == IVF and again.nprobe == dense.nprobe
    q = clustered(1, seed=5)[0]
    assert (again.search(q, 5)[1] == dense.search(q, 5)[1]).all()


def test_index_kind_setting_is_checked():
    assert Settings.from_env({"ASSISTANT_INDEX_KIND": "hnsw"}).index_kind == "hnsw"
    with pytest.raises(SettingsError, match="index_kind='annoy' must be one of auto, flat, ivf, hnsw"):
        Settings.from_env({"ASSISTANT_INDEX_KIND": "annoy"})


def test_an_incremental_ivf_build_reuses_the_trained_lists():
    first = Dense.build(clustered(20_000), IVF)
    trained = first.trained_ivf()
    assert trained.is_trained and trained.ntotal == 0
    grown = np.vstack([clustered(20_000), clustered(500, seed=9)])
    again = Dense.build(grown, IVF, trained=trained)
    assert again.size == 20_500 and again._index.nlist == first._index.nlist
    assert Dense.build(clustered(2000), FLAT).trained_ivf() is None

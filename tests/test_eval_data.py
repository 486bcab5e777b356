"""The project's evaluation data: every gold an exact passage of its report, halves kept apart, sources kept."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS

from assistant.evaluate import EVAL_DIR, TAGS, check_questions, load_questions, project_sets

HALVES = {"tune": EVAL_DIR / "reports" / "tune", "test": EVAL_DIR / "reports" / "test",
          "tune-3": EVAL_DIR / "reports" / "tune-3", "test-2": EVAL_DIR / "reports" / "test-2",
          "tune-4": EVAL_DIR / "reports" / "tune-4", "tune-5": EVAL_DIR / "reports" / "tune-5",
          "tune-6": EVAL_DIR / "reports" / "tune-6", "tune-7": EVAL_DIR / "reports" / "tune-7",
          "tune-8": EVAL_DIR / "reports" / "tune-8", "tune-9": EVAL_DIR / "reports" / "tune-9",
          "tune-10": EVAL_DIR / "reports" / "tune-10", "tune-11": EVAL_DIR / "reports" / "tune-11",
          "tune-12": EVAL_DIR / "reports" / "tune-12"}
# the later tuning sets, in the order they were written
LATER = ("tune-4", "tune-5", "tune-6", "tune-7", "tune-8", "tune-9", "tune-10", "tune-11", "tune-12")


def _texts(*folders):
    return {p.name: p.read_text(encoding="utf-8") for f in folders for p in f.glob("*.txt")}


@pytest.mark.parametrize("name,folders", [("tune-bundled", ()), ("tune", ("tune",)), ("tune-2", ("tune",)),
                                          ("tune-3", ("tune-3",)), ("test", ("test",)), ("test-2", ("test-2",)),
                                          *((name, (name,)) for name in LATER)])
def test_every_question_is_well_formed_and_its_golds_are_in_its_own_half(name, folders):
    texts = _texts(CORPUS, *(HALVES[h] for h in folders))
    items = load_questions(EVAL_DIR / f"{name}.jsonl")
    assert check_questions(items, texts.get, texts) == []
    assert all(set(it.get("tags") or ()) <= set(TAGS) for it in items)


def test_the_sets_are_large_enough_and_cover_every_class():
    items = [it for name in ("tune-bundled", "tune", "tune-2", "tune-3", "test", "test-2", *LATER)
             for it in load_questions(EVAL_DIR / f"{name}.jsonl")]
    n = len(items)
    tagged = {t: sum(t in (it.get("tags") or ()) for it in items) for t in TAGS}
    assert n >= 250
    assert sum(it["type"] == "score" for it in items) >= n / 5
    assert tagged["two-part"] >= n / 6 and tagged["description"] >= n / 10
    assert sum(it["doc"] is None and "near-miss" in it["tags"] for it in items) >= n / 10
    assert all(tagged.values())


def test_halves_share_no_report_and_every_report_has_its_source():
    tune, test, tune3, test2 = (set(_texts(HALVES[h])) for h in ("tune", "test", "tune-3", "test-2"))
    assert len(tune) + len(test) >= 20 and not tune & test and not (tune | test) & set(_texts(CORPUS))
    assert not tune3 & (tune | test | set(_texts(CORPUS)))
    assert not test2 & (tune | test | tune3 | set(_texts(CORPUS)))
    earlier = tune | test | tune3 | test2 | set(_texts(CORPUS))
    for name in LATER:  # each later set's reports are new
        later = set(_texts(HALVES[name]))
        assert later and not later & earlier, name
        earlier |= later
    for half, folder in HALVES.items():
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["reports"]
        sources = json.loads((folder / "sources.json").read_text(encoding="utf-8"))
        for doc in _texts(folder):
            assert meta[doc]["source_url"].startswith("http") and sources[doc]["half"] == half


def test_the_project_evaluation_runs_the_test_half_held_out():
    sets = {qs.name: qs for qs in project_sets()}
    assert sets["test"].held_out and not sets["tune"].held_out and sets["tune"].reports == sets["test"].reports
    assert sets["tune-bundled"].reports == ()
    # the later tuning documents sit beside the others for their own questions, never in the test half's index
    assert HALVES["tune-3"] in sets["tune-3"].reports and HALVES["tune-3"] not in sets["test"].reports
    # the second held-out set: its documents only in its own index
    assert sets["test-2"].held_out and HALVES["test-2"] in sets["test-2"].reports
    assert all(HALVES["test-2"] not in qs.reports for name, qs in sets.items() if name != "test-2")
    for name in LATER:  # the later tuning sets are tuned on, and their documents never in a held-out index
        assert not sets[name].held_out and HALVES[name] in sets[name].reports
        assert all(HALVES[name] not in qs.reports for qs in sets.values() if qs.held_out)

"""The evaluation machinery: metrics per failure, question sets over a temporary corpus, follow-ups, baselines."""

from __future__ import annotations

import json

import pytest
from conftest import CAMDEN, CORPUS, DERBYSHIRE

from assistant.baseline import DENSE, LEXICAL, TextbookBaseline
from assistant.evaluate import QuestionSet, answer_all, assemble_corpus, run_sets, score, tag_shares

TEXT = {"a.txt": "The carers hub answers calls every weekday. Referrals go to the triage team."}


def _item(qid, gold, tags=(), doc="a.txt", keywords=("triage",)):
    return {"id": qid, "question": "q", "doc": doc, "gold": list(gold), "answer_keywords": list(keywords),
            "type": "unanswerable" if doc is None else "other", "tags": list(tags)}


def test_every_failure_is_named_and_counted_per_tag():
    items = [_item("ok", ["Referrals go to the triage team."], tags=["two-part"]),
             _item("miss", ["The carers hub"], tags=["two-part", "paraphrase"]),
             _item("none", [], tags=["near-miss"], doc=None, keywords=())]
    start = TEXT["a.txt"].index("Referrals")
    cite = {"doc": "a.txt", "start": start, "end": len(TEXT["a.txt"]), "quote": TEXT["a.txt"][start:]}
    results = {"ok": {"answer": "the triage team", "abstained": False, "citations": [cite]},
               "miss": {"answer": "nothing", "abstained": False, "citations": [cite]},
               "none": {"answer": "x", "abstained": False, "citations": []}}
    m = score(items, results, TEXT.get)
    assert m.failures == {"miss": ["no gold in top 5", "keywords missing"], "none": ["answered"]}
    assert tag_shares(items, m) == {"near-miss": (1, 1), "paraphrase": (1, 1), "two-part": (2, 1)}


def test_follow_ups_are_read_after_their_history():
    seen = []

    def ask(q, _):
        seen.append(q)
        return {"answer": q, "abstained": False, "citations": []}

    items = [{"id": "f", "question": "what about Camden?", "history": ["what did Derbyshire score?"]},
             {"id": "g", "question": "alone"}]
    out = answer_all(ask, items, resolve=lambda q, prev: f"{q} | after {prev}" if prev else q)
    assert out["f"]["answer"] == "what about Camden? | after what did Derbyshire score?"
    assert out["g"]["answer"] == "alone" and seen == [out["f"]["answer"], "alone"]


def test_a_temporary_corpus_holds_the_bundled_reports_and_the_extra_ones(tmp_path):
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "x.txt").write_text("Kent County Council: local authority assessment\n", encoding="utf-8")
    (extra / "metadata.json").write_text(json.dumps({"reports": {"x.txt": {"source_url": "https://e.g"}}}),
                                         encoding="utf-8")
    out = assemble_corpus(tmp_path / "c", CORPUS, [extra])
    assert {p.name for p in out.iterdir()} >= {DERBYSHIRE, CAMDEN, "x.txt", "metadata.json"}
    entries = json.loads((out / "metadata.json").read_text(encoding="utf-8"))["reports"]
    assert entries["x.txt"] == {"source_url": "https://e.g"} and entries[CAMDEN]["score"] == 4
    (extra / DERBYSHIRE).write_text("another report of the same name", encoding="utf-8")
    with pytest.raises(ValueError, match="more than one report folder"):
        assemble_corpus(tmp_path / "d", CORPUS, [extra])


@pytest.mark.parametrize("kind", [DENSE, LEXICAL])
def test_the_textbook_baselines_cite_exact_1000_character_chunks(fake, kind):
    texts = {"a.txt": "Hospital discharge is planned daily. " * 60, "b.txt": "Carers get respite breaks. " * 10}
    base = TextbookBaseline(texts, fake, retriever=kind)
    out = base.ask("carers respite breaks", k=3)
    assert out["citations"][0]["doc"] == "b.txt" and not out["abstained"]
    for c in out["citations"]:
        assert texts[c["doc"]][c["start"]:c["end"]] == c["quote"] and len(c["quote"]) <= 1000


def test_sets_over_one_temporary_index_with_both_baselines(tmp_path, settings, fake):
    extra = tmp_path / "reports"
    extra.mkdir()
    (extra / "x.txt").write_text("Exampleshire County Council: local authority assessment\nSafeguarding\n"
                                 "Score: 2\n2 - Evidence shows some shortfalls\n"
                                 "Key findings for this quality statement\n"
                                 "The safeguarding hub triaged referrals within two days.\n", encoding="utf-8")
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"id": "q1", "question": "how fast were safeguarding referrals triaged?",
                              "doc": "x.txt", "gold": ["The safeguarding hub triaged referrals within two days."],
                              "answer_keywords": ["two days"], "type": "safeguarding", "tags": ["window"]}) + "\n",
                  encoding="utf-8")
    runs = run_sets([QuestionSet("a", qs, (extra,)), QuestionSet("b", qs, (extra,), held_out=True)], settings, fake)
    assert [r.qset.name for r in runs] == ["a", "b"]
    assert [name for name, _ in runs[0].runs][0] == "answers" and len(runs[0].runs) == 3
    assert runs[0].answers.answerable == 1 and runs[0].answers.verbatim == 1.0
    assert not (tmp_path / "reports" / "metadata.json").exists()  # nothing written beside the eval reports

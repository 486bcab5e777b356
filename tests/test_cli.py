"""The command line, end to end, with the real model on a private copy of the corpus."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture
def env(monkeypatch, settings):
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
    return settings


def test_index_search_status(env, capsys):
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Index: none" in out and "python -m assistant index" in out

    assert main(["index", "-q"]) == 0
    out = capsys.readouterr().out
    assert "Indexed 3 reports into" in out and "embedded" in out

    assert main(["search", "how do young people move to adult services", "--top-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    for h in hits:
        text = (env.corpus_dir / h["doc"]).read_text(encoding="utf-8")
        assert text[h["start"]:h["end"]] == h["quote"]
        assert h["authority"] and h["section"] and h["line_start"] <= h["line_end"]

    assert main(["search", "PPE for unpaid carers"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. [") and "004_2dd4222f7e7a0857.txt" in out and "line" in out

    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Up to date." in out and "London Borough of Camden" in out and "unknown: published" in out

    (env.corpus_dir / "extra.txt").write_text("Exampleshire County Council: Winter Plan\nA plan.\n",
                                              encoding="utf-8")
    assert main(["status"]) == 0
    assert "Stale: extra.txt is new. Run `python -m assistant index`" in capsys.readouterr().out

    assert main(["search", "anything"]) == 0
    assert "the index is stale" in capsys.readouterr().err


def test_errors_are_messages_not_tracebacks(env, capsys):
    assert main(["search", "discharge"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No index in") and "python -m assistant index" in err
    assert main(["index", "-q"]) == 0
    capsys.readouterr()
    assert main(["search", "   "]) == 2
    assert "The question is empty" in capsys.readouterr().err


def test_bad_setting_is_reported(monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_CHUNK_CHARS", "lots")
    assert main(["status"]) == 2
    assert "ASSISTANT_CHUNK_CHARS='lots' is not a valid int" in capsys.readouterr().err


def test_ask_json_and_stdin(env, capsys, monkeypatch):
    import io

    assert main(["index", "-q"]) == 0
    capsys.readouterr()
    assert main(["ask", "what did Derbyshire score?", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["abstained"] is False
    assert d["citations"][0]["quote"].startswith("Safe pathways, systems and transitions\nScore: 3")
    assert set(d["citations"][0]) >= {"doc", "title", "authority", "section", "line_start", "line_end", "start",
                                      "end", "quote", "score"}

    # a line that is not UTF-8 gets its error and the run goes on
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(
        b"what did Camden score?\n\nPPE \xed\xa0\x80 carers\nwho chairs the board in Kent County Council?\n"),
        encoding="utf-8"))
    assert main(["ask", "--stdin"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["question"] for x in lines] == ["what did Camden score?", "", "PPE \ufffd\ufffd\ufffd carers",
                                              "who chairs the board in Kent County Council?"]
    assert lines[0]["citations"][0]["doc"] == "001_d6b23fda1bcedbce.txt"
    assert "The question is empty" in lines[1]["error"]
    assert "not valid UTF-8" in lines[2]["error"]
    assert lines[3]["abstained"] is True
    # ... and as an argument: one line saying so, no traceback
    assert main(["ask", b"PPE \xed\xa0\x80".decode("utf-8", "surrogateescape")]) == 2
    assert capsys.readouterr().err.startswith("error: The question holds bytes that are not valid UTF-8")

    assert main(["ask", "How do young people move to adult services?"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Sources:" in out


def test_eval_prints_metrics_and_misses(env, capsys):
    from conftest import DEV

    assert main(["index", "-q"]) == 0
    capsys.readouterr()
    assert main(["eval", str(DEV), "--baseline"]) == 0
    out = capsys.readouterr().out
    for label in ("hit@k", "MRR", "hit@600c", "keywords", "declined", "verbatim", "textbook MiniLM", "textbook BM25"):
        assert label in out


def test_add_and_remove_reports_from_the_command_line(env, capsys, tmp_path):
    assert main(["index", "-q"]) == 0
    capsys.readouterr()
    new = tmp_path / "Exampleshire assessment.txt"
    new.write_text("Exampleshire County Council: local authority assessment\nSafeguarding\nScore: 2\n"
                   "2 - Evidence shows some shortfalls\nKey findings for this quality statement\n"
                   "The council's triage hub answered referrals within two days in most cases.\n", encoding="utf-8")
    again = tmp_path / "copy.txt"
    again.write_bytes((env.corpus_dir / "001_d6b23fda1bcedbce.txt").read_bytes())
    assert main(["add", "-q", str(new), str(again), str(tmp_path / "missing.txt")]) == 1  # one refused: not all added
    out = capsys.readouterr().out
    assert "added Exampleshire-assessment.txt (Exampleshire County Council, CQC assessment, Safeguarding)" in out
    assert "refused copy.txt: already in the corpus as 001_d6b23fda1bcedbce.txt" in out
    assert "refused " + str(tmp_path / "missing.txt") + ": no such file" in out
    assert "Indexed 1 new report(s)" in out and (env.corpus_dir / "Exampleshire-assessment.txt").is_file()
    assert main(["search", "triage hub referrals within two days", "--json", "--top-k", "1"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["doc"] == "Exampleshire-assessment.txt"
    assert main(["status"]) == 0
    assert "Up to date." in capsys.readouterr().out

    assert main(["remove", "-q", "Exampleshire-assessment.txt", "../etc/passwd"]) == 1
    out = capsys.readouterr().out
    assert "removed Exampleshire-assessment.txt (kept as" in out and "not removed: There is no report named" in out
    assert not (env.corpus_dir / "Exampleshire-assessment.txt").exists()
    assert any(p.name.endswith("Exampleshire-assessment.txt") for p in (env.corpus_dir / ".removed").iterdir())
    assert main(["search", "triage hub referrals within two days", "--json", "--top-k", "3"]) == 0
    assert all(h["doc"] != "Exampleshire-assessment.txt" for h in json.loads(capsys.readouterr().out))
    assert main(["add", "-q", str(again)]) == 1 and "Nothing added." in capsys.readouterr().out

    # the removed report is listed, by title and authority, and restored by its listed name
    assert main(["restore"]) == 0
    out = capsys.readouterr().out
    (name,) = [ln.split()[0] for ln in out.splitlines() if ln.startswith("  ")]
    assert name.endswith("-Exampleshire-assessment.txt") and "Exampleshire County Council" in out
    assert main(["restore", "-q", "no-such-name.txt"]) == 1 and "not restored" in capsys.readouterr().out
    assert main(["restore", "-q", name]) == 0
    assert "restored Exampleshire-assessment.txt" in capsys.readouterr().out
    assert main(["search", "triage hub referrals within two days", "--json", "--top-k", "1"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["doc"] == "Exampleshire-assessment.txt"
    assert main(["restore"]) == 0 and "No removed reports" in capsys.readouterr().out

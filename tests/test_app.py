"""The web app's functions called directly, and its viewer over HTTP (FastAPI's test client), with a fake
embedder so they are fast. The real model, a real server and a real browser are in test_app_server.py and
test_browser.py."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
import time
from pathlib import Path

import pytest
from conftest import CAMDEN, DERBYSHIRE, WINTER, tree_digest
from fakes import FakeEmbedder
from fastapi.testclient import TestClient
from makedocs import EXAMPLESHIRE, plan_pdf

import app as webapp
from assistant import admin
from assistant.service import Engine
from assistant.settings import Settings

NEW = EXAMPLESHIRE
HOSTILE = ("Mischief Borough Council: Winter Plan\n<script>alert('x')</script> The plan says "
           "<img src=x onerror=alert(1)> gritting lorries are booked for the marmalade depot.\n")


@pytest.fixture
def engine(settings):
    s = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, admin_password="s3cret")
    # no slow-down in these tests: test_repeated_wrong_passwords_are_slowed_down covers it
    return Engine(s, FakeEmbedder(), admin.AdminGate("s3cret", max_delay=0.0)).load()


@pytest.fixture
def h(engine, tmp_path):
    return webapp.make_handlers(engine, uploads=tmp_path / "uploads")


def upload(tmp_path: Path, name: str, content: str | bytes) -> str:
    p = tmp_path / "uploads" / name
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(p)


# ------------------------------------------------------------------------------------------ chat

def test_chat_answers_with_cited_quotes_and_sources(h):
    messages, box, turns = h["respond"]("Which organisation is support for unpaid carers commissioned from?",
                                        [], "", "")
    assert box == "" and len(messages) == 2 and len(turns) == 1
    reply = messages[1]["content"]
    assert "Derbyshire Carers Association" in reply and "**Sources**" in reply
    assert "](/report?doc=004_2dd4222f7e7a0857.txt&start=" in reply and "#passage)" in reply


def test_sources_merge_citations_of_the_same_lines_and_show_a_further_passages_first_words():
    from assistant.answer import Answer, Citation
    from assistant.render import chat_markdown

    def cite(n, line, start, end, role, quote):
        return Citation(n, CAMDEN, "Camden: local authority assessment", "London Borough of Camden", "Safety", line,
                        line, start, end, quote, 0.5, role)

    further = ("Weekly MDTs took place with health staff where workers self-allocated cases and all parties took a "
               "strength-based approach")
    answer = Answer("q", "“Joint visits happened.” [1]", False,
                    (cite(1, 18, 10, 33, "answer", "Joint visits happened."), cite(3, 18, 200, 320, "passage", further),
                     cite(4, 30, 900, 1020, "passage", further)), "quotes", (), "gen-x")
    sources = chat_markdown(answer, "gen-x").split("**Sources**")[1].strip().splitlines()
    assert len(sources) == 2 and sources[0].startswith("- [\\[1\\]](") and "[\\[3\\]](" in sources[0]
    assert "further passage" not in sources[0]  # quoted in the answer: its line is no further passage
    assert "line 30 · further passage: “Weekly MDTs took place with health staff where workers self\\-allocated " \
           "cases and …”" in sources[1]


def test_chat_decline_looks_different(h):
    messages, _, _ = h["respond"]("What did Kent County Council score?", [], "", "")
    assert messages[1]["content"].startswith("**⚠ Not answered by the reports.**")
    assert "Closest passages — not an answer" in messages[1]["content"]


def test_follow_up_questions_use_the_conversation(h):
    _, _, turns = h["respond"]("what did Derbyshire score?", [], "", "")
    messages, _, turns = h["respond"]("what about Camden?", turns, "", "")
    assert turns[-1]["resolved"] == "what did London Borough of Camden score?"
    assert "Score: 4" in messages[-1]["content"] and "Read as:" in messages[-1]["content"]


def test_filters_apply(h):
    _, _, turns = h["respond"]("hospital discharge", [], "London Borough of Camden", "")
    assert {c["doc"] for c in turns[-1]["answer"]["citations"]} == {CAMDEN}
    _, _, turns = h["respond"]("hospital discharge", [], "", WINTER)
    assert {c["doc"] for c in turns[-1]["answer"]["citations"]} == {WINTER}


def test_user_text_is_shown_as_text(h):
    messages, _, _ = h["respond"]("<script>alert(1)</script> **x** PPE", [], "", "")
    user = messages[0]["content"]
    assert "<script>" not in user and "&lt;script&gt;" in user and "\\*\\*x\\*\\*" in user


def test_empty_question_gets_a_message_not_a_traceback(h):
    messages, _, turns = h["respond"]("   ", [], "", "")
    assert "The question is empty" in messages[1]["content"] and turns[-1]["answer"] is None


def exported(update: dict, folder: str) -> tuple[Path, Path]:
    """The Markdown and CSV files an export made, after checking the page links to them."""
    md, csv_file = sorted(Path(folder).glob("evidence-*.md")) + sorted(Path(folder).glob("evidence-*.csv"))
    token = Path(folder).name
    assert update["visible"] and all(f"/evidence/{token}/{f.name}" in update["value"] for f in (md, csv_file))
    return md, csv_file


def test_export_evidence_as_markdown_and_csv(h):
    _, _, turns = h["respond"]("where do staff find info on free flu jabs?", [], "", "")
    _, _, turns = h["respond"]("what did Camden score?", turns, "", "")
    update, folder = h["export"](turns)
    md_path, csv_path = exported(update, folder)
    md = Path(md_path).read_text(encoding="utf-8")
    assert "## 1. Question" in md and "where do staff find info on free flu jabs?" in md
    assert "## 2. Question" in md and "what did Camden score?" in md  # the whole conversation
    assert "- Report file: 004_2dd4222f7e7a0857.txt" in md and "- Permalink: </report?" in md
    rows = list(csv.DictReader(io.StringIO(Path(csv_path).read_text(encoding="utf-8"))))
    answers = [t["answer"] for t in turns]
    assert len(rows) == sum(len(a["citations"]) for a in answers) and {r["turn"] for r in rows} == {"1", "2"}
    cited = [c for a in answers for c in a["citations"]]
    for row, c in zip(rows, cited, strict=True):
        assert row["quote"] == c["quote"] and int(row["start"]) == c["start"] and row["doc"] == c["doc"]
    # one answer chosen; the session's previous export is deleted
    update, again = h["export"](turns, "2", folder)
    md = Path(exported(update, again)[0]).read_text(encoding="utf-8")
    assert "## 1. Question" in md and "what did Camden score?" in md and "flu jabs" not in md
    assert not Path(folder).exists() and Path(again).exists()
    # a new conversation deletes the files and hides them
    chat, turns, box, files, folder, which = h["new_conversation"](again)
    assert chat == [] and turns == [] and files["visible"] is False and not Path(again).exists()


def test_evidence_links_work_until_the_conversation_starts_again(client, h):
    _, _, turns = h["respond"]("what did Camden score?", [], "", "")
    update, folder = h["export"](turns)
    links = re.findall(r'href="(/evidence/[^"]+)"', update["value"])
    got = client.get(links[0])
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    assert got.headers["content-type"].startswith("text/markdown") and "## 1. Question" in got.text
    h["new_conversation"](folder)
    gone = client.get(links[0])
    assert gone.status_code == 404 and "no longer kept" in gone.text
    for bad in ("/evidence/../../etc/passwd", f"/evidence/{Path(folder).name}/..%2F..%2Fetc%2Fpasswd",
                "/evidence/short/evidence-20260101T000000.md"):
        assert client.get(bad).status_code == 404


def test_export_links_are_absolute_and_its_files_cannot_inject(settings, tmp_path):
    from markdown_it import MarkdownIt

    s = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir,
                 public_url="https://reports.example.gov.uk/")
    h = webapp.make_handlers(Engine(s, FakeEmbedder()).load(), uploads=tmp_path)
    hostile = "=HYPERLINK(\"http://x\") <script>alert(1)</script> [x](javascript:alert(1)) &amp; PPE > carers"
    _, _, turns = h["respond"](hostile, [], "", "")
    update, folder = h["export"](turns)
    md_path, csv_path = exported(update, folder)
    md = Path(md_path).read_text(encoding="utf-8")
    assert "- Permalink: <https://reports.example.gov.uk/report?doc=" in md
    assert hostile in md  # verbatim, in a fenced block: readable as written
    assert "&gt;" not in md and "\\[" not in md  # no entity or escape soup
    rendered = MarkdownIt("commonmark").render(md)
    assert "<script>" not in rendered and 'href="javascript' not in rendered
    rows = list(csv.DictReader(io.StringIO(Path(csv_path).read_text(encoding="utf-8"))))
    assert all(r["question"] == "'" + hostile for r in rows)  # a formula's start is defused
    assert all(r["permalink"].startswith("https://reports.example.gov.uk/report?") for r in rows if r["doc"])


def test_export_before_asking_says_what_to_do(h):
    import gradio as gr

    with pytest.raises(gr.Error, match="Ask a question first"):
        h["export"]([])


def test_ask_api_returns_the_answer_json(h):
    d = h["ask_api"]("what did Derbyshire score?")
    assert d["citations"][0]["doc"] == DERBYSHIRE and d["index_version"].startswith("gen-")
    assert d["permalinks"][0].startswith("/report?doc=")
    assert "error" in h["ask_api"]("")


def test_scores_view(h):
    html = h["scores_view"]()
    assert "London Borough of Camden" in html and "/report?doc=001_d6b23fda1bcedbce.txt" in html
    assert 'class="bar score-4" style="width:100%"' in html and 'class="bar score-3" style="width:75%"' in html


# ------------------------------------------------------------------------------------------ admin

@pytest.mark.parametrize("password", [None, "", "wrong"])
def test_admin_functions_refuse_without_the_password(h, engine, password, tmp_path):
    before = tree_digest(engine.settings.corpus_dir)
    refused = "Enter the admin password" if not password else "Wrong admin password"
    assert refused in h["admin_status"](password)
    assert h["admin_remove_api"](password, DERBYSHIRE)["ok"] is False
    assert h["admin_rebuild_api"](password)["ok"] is False
    f = upload(tmp_path, "new.txt", NEW)
    assert h["admin_upload_api"](password, [f])["ok"] is False
    assert h["check_files"](password, [f])[0].startswith(f"⚠ {refused}")
    assert h["add_files"](password, [f], None)[0].startswith(f"⚠ {refused}")
    assert h["remove"](password, DERBYSHIRE)[0].startswith("⚠")
    assert h["rebuild"](password)[0].startswith("⚠")
    assert h["confirm_remove"](password, DERBYSHIRE)[3].startswith("⚠")
    assert h["restore"](password, "20260101T000000-x.txt")[0].startswith("⚠")
    assert h["admin_removed_api"](password)["ok"] is False
    assert tree_digest(engine.settings.corpus_dir) == before


def test_admin_disabled_without_a_configured_password(settings):
    engine = Engine(settings, FakeEmbedder()).load()
    h = webapp.make_handlers(engine)
    assert "set ASSISTANT_ADMIN_PASSWORD" in h["admin_status"]("anything").replace("\\", "")
    assert "ASSISTANT_ADMIN_PASSWORD" in h["admin_upload_api"]("anything", [])["error"]


def test_wrong_passwords_lock_out_their_own_address_and_nobody_else():
    now = [1000.0]
    gate = admin.AdminGate("right", free_failures=2, max_delay=8, window=300, clock=lambda: now[0])
    for _ in range(2):
        with pytest.raises(admin.AccessDenied, match="Wrong admin password.$"):
            gate.check("wrong", "10.0.0.9")
    with pytest.raises(admin.AccessDenied, match="Locked out for 1 s"):
        gate.check("wrong", "10.0.0.9")
    t = time.perf_counter()
    with pytest.raises(admin.AccessDenied, match="Too many wrong admin passwords from 10.0.0.9: try again in 1 s"):
        gate.check("right", "10.0.0.9")  # refused at once, even the right password, while locked out
    gate.check("right", "10.0.0.7")  # another address never waits for them
    assert time.perf_counter() - t < 0.1  # nothing sleeps
    now[0] += 1.5
    with pytest.raises(admin.AccessDenied, match="Locked out for 2 s"):
        gate.check("wrong", "10.0.0.9")  # each failure past the free ones doubles the lockout
    now[0] += 2.5
    gate.check("right", "10.0.0.9")  # ... and the right one after it clears the slate
    for _ in range(10):
        with pytest.raises(admin.AccessDenied, match="Enter the admin password"):
            gate.check("", "10.0.0.9")  # an empty password is asked for, not counted
    with pytest.raises(admin.AccessDenied, match="Wrong admin password.$"):
        gate.check("wrong", "10.0.0.9")


def test_check_shows_what_was_detected_and_refuses_bad_files(h, tmp_path, engine):
    files = [upload(tmp_path, "new.txt", NEW), upload(tmp_path, "empty.txt", b""),
             upload(tmp_path, "bin.txt", b"\x00\x01\x02" * 100),
             upload(tmp_path, "latin.txt", "caf\xe9".encode("latin-1")),
             upload(tmp_path, "copy.txt", (engine.settings.corpus_dir / DERBYSHIRE).read_bytes()),
             upload(tmp_path, "report.pdf", b"%PDF-1.4")]
    preview, table = h["check_files"]("s3cret", files)
    preview = preview.replace("\\", "")  # markdown escapes
    assert "✓ **new.txt** → `new.txt`: text, cqc layout" in preview
    assert "Safeguarding &gt; Key findings for this quality statement" in preview
    assert "empty.txt**: refused — empty" in preview
    assert "bin.txt**: refused — binary" in preview
    assert "latin.txt**: refused — not UTF-8" in preview
    assert f"copy.txt**: refused — already in the corpus as {DERBYSHIRE}" in preview
    assert "report.pdf**: refused — not a readable PDF" in preview
    (row,) = table.to_dict("records")
    assert row["authority"] == "Exampleshire County Council" and row["score"] == 2


def test_safe_names_cannot_escape_or_overwrite(tmp_path):
    assert admin.safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert admin.safe_name("C:\\Windows\\evil.md") == "evil.md"
    assert admin.safe_name("/abs/path/Report 2024 (final).TXT") == "Report-2024-final.txt"
    assert admin.safe_name(".hidden.txt") == "hidden.txt"
    assert admin.safe_name("na\x00me.txt") == "name.txt"
    assert admin.safe_name("ｆｕｌｌｗｉｄｔｈ.txt") == "fullwidth.txt"
    assert admin.safe_name("é.txt") == "e.txt"
    with pytest.raises(admin.AdminError, match="not a supported report type"):
        admin.safe_name("passwd")
    with pytest.raises(admin.AdminError):
        admin.safe_name("evil.txt.exe")


def test_traversal_names_are_stored_under_safe_names(engine):
    (c,) = admin.check_uploads(engine.settings, [("../../evil/new report.txt", NEW.encode())])
    assert c.ok and c.name == "new-report.txt"
    assert admin.add_reports(engine.settings, [c]) == ["new-report.txt"]
    assert (engine.settings.corpus_dir / "new-report.txt").is_file()
    (again,) = admin.check_uploads(engine.settings, [("/etc/new report.txt", NEW.encode() + b" more")])
    assert again.name == "new-report-2.txt"  # never overwrites


def test_an_upload_applies_whole_or_not_at_all(h, engine, tmp_path):
    before = tree_digest(engine.settings.corpus_dir)
    a, b = upload(tmp_path, "a.txt", NEW), upload(tmp_path, "b.txt", HOSTILE)
    # metadata invalid for the second file: refused before the first is stored
    got = h["admin_upload_api"]("s3cret", [a, b], json.dumps({"b.txt": {"score": 7}}))
    assert got["ok"] is False and "score 7 must be 1, 2, 3 or 4" in got["error"]
    assert tree_digest(engine.settings.corpus_dir) == before
    # indexing that fails takes the upload back: nothing stored, the same upload can be tried again
    from fakes import FailingEmbedder

    working, engine.embedder = engine.embedder, FailingEmbedder()
    with pytest.raises(RuntimeError, match="simulated crash"):
        engine.add(engine.check_uploads([("a.txt", NEW.encode())]))
    assert tree_digest(engine.settings.corpus_dir) == before and "a.txt" not in engine.reports()
    engine.embedder = working
    assert h["admin_upload_api"]("s3cret", [a])["added"] == ["a.txt"]


def test_a_report_stored_but_never_indexed_is_indexed_when_added_again(h, engine, tmp_path):
    # as an `add` killed after copying leaves it: in corpus/, not in the index
    (engine.settings.corpus_dir / "stopped.txt").write_text(NEW, encoding="utf-8")
    assert any("stopped.txt is new" in r for r in engine.status().stale)  # status says so
    assert "in the corpus already but not indexed" in h["check_files"]("s3cret", [upload(tmp_path, "again.txt",
                                                                                      NEW)])[0]
    got = h["admin_upload_api"]("s3cret", [upload(tmp_path, "again.txt", NEW)])
    assert got["ok"] and got["added"] == ["stopped.txt"]  # indexed under its name, not stored twice
    assert not (engine.settings.corpus_dir / "again.txt").exists() and "stopped.txt" in engine.reports()
    assert engine.status().stale == []


def test_an_address_may_upload_its_budget_an_hour():
    now = [0.0]
    budget = webapp.UploadBudget(100, clock=lambda: now[0])
    assert budget.take("a", 60) == 0 and budget.take("b", 90) == 0  # each address its own
    assert budget.take("a", 50) == 3600  # over: it may again when its first upload is an hour old
    now[0] = 1800
    assert budget.take("a", 40) == 0 and budget.take("a", 1) == 1800
    now[0] = 3601
    assert budget.take("a", 60) == 0


def test_uploads_left_unused_are_swept(monkeypatch, tmp_path):
    import os

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    old, new = tmp_path / "abc" / "old.txt", tmp_path / "def" / "new.txt"
    for p in (old, new):
        p.parent.mkdir()
        p.write_text("x", encoding="utf-8")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert webapp._sweep_uploads() == 1 and not old.exists() and not old.parent.exists() and new.exists()
    assert webapp._sweep_uploads(0) == 1 and not new.exists()  # at start: every one


def test_only_files_that_came_in_through_an_upload_are_added(h, engine, tmp_path):
    before = tree_digest(engine.settings.corpus_dir)
    outside = tmp_path / "server-file.txt"
    outside.write_text(NEW, encoding="utf-8")
    (tmp_path / "uploads").mkdir(exist_ok=True)
    sneaky = tmp_path / "uploads" / "link.txt"
    sneaky.symlink_to(outside)  # inside the upload folder, pointing out of it
    for path in (str(outside), str(Path(webapp.__file__).resolve().parent / "README.md"), str(sneaky),
                 str(tmp_path / "uploads" / ".." / "server-file.txt"), "/etc/passwd"):
        got = h["admin_upload_api"]("s3cret", [path])
        assert got["ok"] is False and "did not come in through an upload" in got["error"], path
        assert "did not come in through an upload" in h["check_files"]("s3cret", [path])[0]
    assert "upload it again" in h["admin_upload_api"]("s3cret", [str(tmp_path / "uploads" / "gone.txt")])["error"]
    assert tree_digest(engine.settings.corpus_dir) == before


def test_a_huge_upload_is_refused_without_being_read(h, engine, tmp_path):
    import tracemalloc

    big = tmp_path / "uploads" / "huge.txt"
    big.parent.mkdir(exist_ok=True)
    with open(big, "wb") as fh:  # 1 GB, sparse: nothing is written but its size
        fh.truncate(1 << 30)
    tracemalloc.start()
    got = h["admin_upload_api"]("s3cret", [str(big)])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert got["ok"] is False and "too large (1,073,741,824 bytes" in got["refused"]["huge.txt"]
    assert peak < 3 * engine.settings.max_upload_bytes  # read up to the limit, not the whole file


def test_uploads_are_size_limited(engine, tmp_path):
    s = Settings(corpus_dir=engine.settings.corpus_dir, index_dir=engine.settings.index_dir, max_upload_bytes=100)
    (c,) = admin.check_uploads(s, [("big.txt", b"word " * 100)])
    assert not c.ok and "too large" in c.reason and "ASSISTANT_MAX_UPLOAD_BYTES" in c.reason


def test_upload_with_corrected_metadata_is_indexed_and_cited(h, engine, tmp_path):
    f = upload(tmp_path, "new report.txt", NEW)
    _, table = h["check_files"]("s3cret", [f])
    table.loc[0, "published"] = "2024-05-01"
    table.loc[0, "title"] = "Exampleshire: Safeguarding"
    msg, status = h["add_files"]("s3cret", [f], table)
    assert "Added new-report.txt" in msg.replace("\\", "") and "new-report.txt" in status.replace("\\", "")
    assert (engine.settings.corpus_dir / "new-report.txt").read_text(encoding="utf-8") == NEW
    meta = json.loads((engine.settings.corpus_dir / "metadata.json").read_text(encoding="utf-8"))
    assert meta["reports"]["new-report.txt"] == {"title": "Exampleshire: Safeguarding", "published": "2024-05-01"}
    answer = engine.ask("kestrel hub triage referrals")
    assert answer.citations[0].doc == "new-report.txt"
    assert h["ask_api"]("what did Exampleshire score?")["citations"][0]["quote"].startswith("Safeguarding\nScore: 2")
    # the same content again is refused, naming the file that has it
    again = h["admin_upload_api"]("s3cret", [upload(tmp_path, "again.txt", NEW)])
    assert again["ok"] is False and "already in the corpus as new-report.txt" in again["refused"]["again.txt"]


def test_bad_metadata_edits_are_refused(h, engine, tmp_path):
    f = upload(tmp_path, "new.txt", NEW)
    _, table = h["check_files"]("s3cret", [f])
    table.loc[0, "score"] = 9
    msg, _ = h["add_files"]("s3cret", [f], table)
    assert "score 9 must be 1, 2, 3 or 4" in msg
    assert not (engine.settings.corpus_dir / "new.txt").exists()


def test_remove_keeps_the_file_aside_and_reindexes(h, engine):
    msg, _ = h["remove"]("s3cret", CAMDEN)
    assert "Removed" in msg and not (engine.settings.corpus_dir / CAMDEN).exists()
    kept = list((engine.settings.corpus_dir / admin.REMOVED_DIR).glob(f"*-{CAMDEN}*"))
    assert len(kept) == 2  # the report and its metadata entry
    assert CAMDEN not in engine.reports()
    assert "London Borough of Camden" not in engine.authorities()


def test_remove_asks_first_naming_the_report_and_what_it_takes_out(h, engine):
    before = tree_digest(engine.settings.corpus_dir)
    text, box, pending, result = h["confirm_remove"]("s3cret", CAMDEN)
    assert box["visible"] is True and pending == CAMDEN and result == ""
    flat = text.replace("\\", "")
    assert "Remove “London Borough of Camden: local authority assessment" in flat and f"`{CAMDEN}`" in flat
    assert "passages will no longer be quoted" in flat and "(Safe pathways, systems and transitions: 4)" in flat
    assert "London Borough of Camden will no longer be covered" in flat  # its only report
    assert "Derbyshire County Council will no longer be covered" not in h["confirm_remove"]("s3cret", WINTER)[0]
    assert tree_digest(engine.settings.corpus_dir) == before  # asking removed nothing
    # nothing chosen, a wrong password, a report gone meanwhile: refused, nothing pending
    for password, doc, says in (("s3cret", None, "Choose a report"), ("nope", CAMDEN, "Wrong admin password"),
                                ("s3cret", "gone.txt", "not in the index")):
        text, box, pending, result = h["confirm_remove"](password, doc)
        assert says in result and box["visible"] is False and pending == "" and text == ""


def test_removed_reports_are_listed_and_restored_with_their_metadata(h, engine):
    meta_before = json.loads((engine.settings.corpus_dir / "metadata.json").read_text(encoding="utf-8"))
    _, status = h["remove"]("s3cret", CAMDEN)
    assert "1 removed report(s) kept" in status and "London Borough of Camden" in status.split("kept")[-1]
    listed = h["admin_removed_api"]("s3cret")
    assert listed["ok"] and [r["doc"] for r in listed["removed"]] == [CAMDEN]
    r = listed["removed"][0]
    assert r["authority"] == "London Borough of Camden" and r["title"].startswith("London Borough of Camden")
    assert h["admin_removed_api"]("wrong")["ok"] is False
    assert h["admin_restore_api"]("wrong", r["name"])["ok"] is False
    assert "no removed report named" in h["admin_restore_api"]("s3cret", "../../etc/passwd")["error"]
    msg, _ = h["restore"]("s3cret", r["name"])
    assert "Restored" in msg and CAMDEN in engine.reports()
    assert json.loads((engine.settings.corpus_dir / "metadata.json").read_text(encoding="utf-8")) == meta_before
    assert h["admin_removed_api"]("s3cret")["removed"] == []
    assert "Score: 4" in h["ask_api"]("what did Camden score?")["citations"][0]["quote"]


def test_restore_never_overwrites_or_duplicates(h, engine, tmp_path):
    h["remove"]("s3cret", CAMDEN)
    (name,) = [r["name"] for r in h["admin_removed_api"]("s3cret")["removed"]]
    # the same text uploaded again since: restoring would hold it twice
    kept = (engine.settings.corpus_dir / admin.REMOVED_DIR / name).read_bytes()
    added = h["admin_upload_api"]("s3cret", [upload(tmp_path, "camden-again.txt", kept)])
    assert added["ok"], added
    refused = h["admin_restore_api"]("s3cret", name)
    assert refused["ok"] is False and "already in the corpus as camden-again.txt" in refused["error"]
    # a different report under its name since: refused, nothing overwritten
    h["remove"]("s3cret", "camden-again.txt")
    (engine.settings.corpus_dir / CAMDEN).write_text(NEW, encoding="utf-8")
    refused = h["admin_restore_api"]("s3cret", name)
    assert refused["ok"] is False and f"A report named {CAMDEN} is in the corpus now" in refused["error"]
    assert (engine.settings.corpus_dir / CAMDEN).read_text(encoding="utf-8") == NEW


def test_lists_follow_the_live_index(h, engine):
    authority, report, doc, restorable, seen = h["lists"]("London Borough of Camden", CAMDEN)
    assert seen == engine.version and authority["value"] == "London Borough of Camden" and report["value"] == CAMDEN
    assert doc["value"] is None and CAMDEN in [v for _, v in doc["choices"]]  # nothing pre-selected
    assert restorable["choices"] == []
    assert all(isinstance(x, dict) and x.get("__type__") == "update" and len(x) == 1
               for x in h["lists_if_changed"](engine.version))  # unchanged: nothing sent
    h["remove"]("s3cret", CAMDEN)  # as another session would
    authority, report, doc, restorable, now = h["lists_if_changed"](seen, "London Borough of Camden", CAMDEN)
    assert now == engine.version != seen
    assert ("London Borough of Camden", "London Borough of Camden") not in authority["choices"]
    assert authority["value"] == "" and report["value"] == ""  # a choice that is gone falls back to all
    assert CAMDEN not in [v for _, v in doc["choices"]] and len(restorable["choices"]) == 1


def test_a_filter_that_matches_nothing_says_so(h):
    d = h["ask_api"]("hospital discharge", "Kent County Council")
    assert "authority filter matches nothing" in d["error"] and d["citations"] == []
    assert "report filter matches nothing" in h["ask_api"]("hospital discharge", "", "nope.txt")["error"]
    messages, _, _ = h["respond"]("hospital discharge", [], "", "nope.txt")
    assert messages[1]["content"].startswith("⚠") and "matches nothing" in messages[1]["content"]


def test_check_with_no_files_names_every_accepted_format(h):
    msg, _ = h["check_files"]("s3cret", [])
    assert "PDF" in msg and "Word" in msg and "HTML" in msg and "Markdown" in msg


def test_a_markdown_heading_is_no_part_of_the_authority(h, engine, tmp_path):
    f = upload(tmp_path, "quillham.md", "# Quillham County Council: Adult Social Care Winter Plan 2025-26\n\n"
                                        "Quillham books extra reablement staff for the winter months.\n")
    assert h["admin_upload_api"]("s3cret", [f])["ok"]
    authority = h["lists"]()[0]
    assert ("Quillham County Council", "Quillham County Council") in authority["choices"]
    assert not any(label.startswith("#") for label, _ in authority["choices"])


def test_rebuild(h, engine):
    before = engine.version
    msg, _ = h["rebuild"]("s3cret")
    assert "Rebuilt index" in msg and engine.version != before


def test_chat_keeps_answering_during_a_reindex(settings, tmp_path):
    slow = FakeEmbedder(delay=0.01)
    s = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, admin_password="s3cret")
    engine = Engine(s, slow).load()
    (s.corpus_dir / "new.txt").write_text(NEW, encoding="utf-8")
    versions, errors = set(), []
    done = threading.Event()

    def rebuild():
        try:
            engine.reindex(rebuild=True)
        finally:
            done.set()

    t = threading.Thread(target=rebuild)
    t.start()
    answered = 0
    while not done.is_set():
        try:
            a = engine.ask("hospital discharge")
            assert a.citations and a.text
            versions.add(engine.version)
            answered += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    t.join()
    assert not errors and answered > 5
    assert any(c.doc == "new.txt" for c in engine.ask("kestrel hub triage").citations)


# ------------------------------------------------------------------------------------------ viewer

@pytest.fixture
def client(engine):
    with TestClient(webapp.create_app(engine)) as c:
        yield c


def test_viewer_highlights_the_passage_with_line_numbers(client, engine):
    a = engine.ask("do children's and adults' workers do joint visits for transitions?")
    c = a.citations[0]
    from assistant.render import permalink

    r = client.get(permalink(c, version=engine.version))
    assert r.status_code == 200
    assert shows_marked(r.text, c)
    assert '<span class="ln">13</span>' in r.text
    assert f"lines {c.line_start}–{c.line_end}" in r.text and engine.version in r.text


def test_viewer_escapes_hostile_reports(client, engine, h, tmp_path):
    h["admin_upload_api"]("s3cret", [upload(tmp_path, "mischief.txt", HOSTILE)])
    a = engine.ask("gritting lorries marmalade depot")
    c = next(c for c in a.citations if c.doc == "mischief.txt")
    from assistant.render import permalink

    r = client.get(permalink(c, version=engine.version))
    assert "<script>" not in r.text.split("<pre>", 1)[1] and "&lt;script&gt;" in r.text
    assert "<img" not in r.text


@pytest.mark.parametrize("query", [
    "doc=../../etc/passwd&start=0&end=5", "doc=%2Fetc%2Fpasswd&start=0&end=5", f"doc={DERBYSHIRE}&start=5&end=999999",
    "doc=metadata.json&start=0&end=5",
])
def test_viewer_refuses_unknown_reports_and_bad_offsets(client, query):
    r = client.get(f"/report?{query}")
    assert r.status_code in (404, 422) and "root:" not in r.text


def test_viewer_says_when_a_link_does_not_match_and_offers_no_permalink(client, engine):
    from assistant.render import permalink

    c = engine.ask("what did Derbyshire score?").citations[0]
    good = client.get(permalink(c, version=engine.version))
    assert 'id="permalink"' in good.text and "does not match" not in good.text
    tampered = [permalink(c, version=engine.version).replace(f"end={c.end}", f"end={c.end + 5}"),
                permalink(c, version=engine.version).replace("&h=", "&h=0"),
                f"/report?doc={DERBYSHIRE}&start=103&end=111&v={engine.version}&h=0000000000000000"]
    for link in tampered:
        r = client.get(link)
        assert r.status_code == 200 and "This link does not match the report" in r.text
        assert 'id="permalink"' not in r.text and re.search(r'<mark id="passage"[^>]*></mark>', r.text)  # nothing
        assert r.text.count("<mark") == 1  # ... is highlighted
    assert "altered" in client.get(tampered[0]).text
    r = client.get(f"/report?doc={DERBYSHIRE}&start=103&end=111&v=gen-20200101T000000-abcdef")
    assert "no longer kept" in r.text


@pytest.mark.parametrize("query", ["start=-5&end=10", "start=abc&end=10", "start=0&end=", "start=1.5&end=9"])
def test_viewer_bad_offsets_get_the_friendly_page(client, query):
    r = client.get(f"/report?doc={DERBYSHIRE}&{query}")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "must be character offsets" in r.text and "detail" not in r.text


def test_a_table_row_is_shown_as_a_row_with_its_header_above_it(client, engine):
    from assistant.render import permalink

    c = next(c for c in engine.ask("where do staff find info on free flu jabs?").citations
             if "receive free flu vaccinations and" in c.quote)
    r = client.get(permalink(c, version=engine.version))
    assert shows_marked(r.text, c)
    row = re.search(r'<tr class="head-again">(.*?)</tr><tr id="line-\d+">(.*?)</tr>', r.text, re.S)
    assert row, "the quoted row, right under its table's header"
    assert "<th>Actions required by providers</th>" in row.group(1)
    cells = re.findall(r"<td>(.*?)</td>", row.group(2), re.S)
    # one action's words in one cell, the council's answer in the next: not "... vaccinations and ⇥ support ..."
    assert "receive free flu vaccinations and</mark>" in cells[0] and "report uptake" in cells[0]
    assert "support those staff not able to attend</mark>" in cells[1]
    assert r.text.count('<table class="rows">') >= 2 and "\t" not in re.sub(r"<pre>.*?</pre>", "", r.text, flags=re.S)


def test_a_table_in_the_viewer_is_escaped_like_the_rest():
    from assistant.metadata import Metadata
    from assistant.parse import parse
    from assistant.render import viewer_html

    header = "Action\tWhat we do"
    rows = [f"Row {i} <script>alert({i})</script>\tDone & dusted <img src=x onerror=alert(1)>" for i in range(8)]
    text = "\n".join(["Mischief Council winter plan", "", header, *rows[:4], header, *rows[4:]]) + "\n"
    units = parse(text).units
    assert any(u.kind == "row" for u in units)
    page = viewer_html(doc="m.txt", text=text, start=text.index("Row 5"), end=text.index("Row 5") + 5, md=Metadata(),
                       version="v", units=units)
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;alert(5)" in page
    assert '<table class="rows">' in page and page.count("<th>Action</th>") == 2  # the head, and above the row


def marked_pixels(png: bytes) -> int:
    """Pixels of the marking's yellow in a rendered page."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 200) & (g > 150) & (g < 235) & (b < 140)).sum())


def test_a_pdf_passage_can_be_seen_on_its_page_as_printed(client, h, engine, tmp_path):
    from assistant.render import permalink

    assert h["admin_upload_api"]("s3cret", [upload(tmp_path, "plan.pdf", plan_pdf())])["ok"]
    c = next(c for c in engine.ask("visiting pods in care homes during outbreaks").citations if c.doc == "plan.pdf")
    viewer = client.get(permalink(c, version=engine.version))
    printed = html.unescape(re.search(r'id="printed" href="([^"]+)"', viewer.text).group(1))
    assert f"p={c.page_start}" in printed
    page = client.get(printed)
    assert page.status_code == 200 and f"page {c.page_start} of 2 as printed" in page.text
    assert 'id="note"' not in page.text  # the passage was found on the page
    image = html.unescape(re.search(r'id="page" src="([^"]+)"', page.text).group(1))
    png = client.get(image)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert marked_pixels(png.content) > 500
    bare = client.get(re.sub(r"&start=\d+&end=\d+", "", image))
    assert bare.status_code == 200 and marked_pixels(bare.content) == 0  # nothing asked, nothing marked
    following = html.unescape(re.search(r'id="next" href="([^"]+)"', page.text).group(1))
    assert client.get(following).status_code == 200
    # a removed PDF's pages are still shown from the copy kept aside
    h["remove"]("s3cret", "plan.pdf")
    assert marked_pixels(client.get(image).content) > 500
    # bad input: the plain page, never a traceback or framework JSON
    for bad, code in (("p=0", 400), ("p=abc", 400), ("p=9", 404)):
        r = client.get(re.sub(r"p=\d+", bad, printed))
        assert r.status_code == code and r.headers["content-type"].startswith("text/html"), bad
    assert client.get(f"/page?doc={WINTER}&p=1").status_code == 404  # a text report has no printed pages


def shows_marked(page: str, c) -> bool:
    """Does the viewer page mark exactly the cited characters: marks from its start to its end, each holding
    the report's characters at its offsets (a row's cells are marked piece by piece, a passage line by line)?"""
    marks = [(int(a), int(b), html.unescape(t)) for a, b, t in
             re.findall(r'<mark[^>]*data-s="(\d+)" data-e="(\d+)">(.*?)</mark>', page, re.S)]
    return bool(marks) and 'id="passage"' in page and min(a for a, _, _ in marks) == c.start and \
        max(b for _, b, _ in marks) == c.end and all(t == c.quote[a - c.start:b - c.start] for a, b, t in marks)


def test_permalinks_outlive_admin_actions(client, h, engine, tmp_path):
    from assistant.render import permalink

    camden = engine.ask("what did Camden score?").citations[0]
    winter = next(c for c in engine.ask("PPE for unpaid carers this winter").citations if c.doc == WINTER)
    links = {c.doc: permalink(c, version=engine.version) for c in (camden, winter)}
    # another report added: every earlier link still opens its passage, with nothing to warn about
    h["admin_upload_api"]("s3cret", [upload(tmp_path, "exampleshire.txt", NEW)])
    r = client.get(links[WINTER])
    assert shows_marked(r.text, winter) and 'class="warn"' not in r.text
    # a report removed: its links open it as it was, saying so plainly (never "gone" or 404)
    h["remove"]("s3cret", CAMDEN)
    r = client.get(links[CAMDEN])
    assert r.status_code == 200 and shows_marked(r.text, camden)
    assert "removed from the index since this link was made" in r.text and "London Borough of Camden" in r.text
    # a report replaced (its file changed, then re-indexed): the version quoted, and a link to the current one
    path = engine.settings.corpus_dir / WINTER
    path.write_text("Derbyshire County Council: Adult Social Care Winter Plan 2020-21\nRevised.\n"
                    + path.read_text(encoding="utf-8"), encoding="utf-8")
    engine.reindex()
    r = client.get(links[WINTER])
    assert shows_marked(r.text, winter)
    assert "replaced since this link was made" in r.text and 'id="current"' in r.text
    current = re.search(r'id="current" href="([^"]+)"', r.text).group(1)
    assert "Revised." in client.get(html.unescape(current)).text


def test_health(client, engine):
    assert client.get("/healthz").json()["index"] == engine.version

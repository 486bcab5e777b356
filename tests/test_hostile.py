"""Every hostile or broken input in the README's table, and what it gets. Nothing in corpus/ or index/ is
lost or overwritten by any of them."""

from __future__ import annotations

import makedocs
import pytest
from conftest import DERBYSHIRE, tree_digest
from fakes import FakeEmbedder

import app as webapp
from assistant import admin
from assistant.service import Engine
from assistant.settings import Settings

QUESTIONS = {
    "empty": ("", "The question is empty"),
    "whitespace": ("  \n\t ", "The question is empty"),
    "100,000 characters": ("care " * 20_000, None),
    "control characters": ("PPE\x00\x07\x1b[31m for carers\x7f", None),
    "zero-width characters": ("\u200b\u200c\u200dPPE\u2060 for\ufeff carers", None),
    "only zero-width": ("\u200b\u200b\u2060", "The question is empty"),
    "right-to-left text": ("\u202eserac rof EPP \u05e9\u05dc\u05d5\u05dd", None),
    "HTML and script": ("<script>alert(1)</script><img src=x onerror=alert(2)> discharge", None),
    "template syntax": ("{{7*7}} ${7*7} <%= 7*7 %> {% raw %} discharge", None),
    # bytes that were not UTF-8, as Python hands them on (lone surrogates), or a JSON "\ud800" escape
    "invalid UTF-8": (b"PPE \xed\xa0\x80 carers".decode("utf-8", "surrogateescape"), "not valid UTF"),
    "lone surrogate": ("PPE \ud800 carers", "not valid UTF"),
}


@pytest.fixture
def engine(settings):
    s = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, admin_password="pw",
                 max_upload_bytes=200_000)
    return Engine(s, FakeEmbedder(), admin.AdminGate("pw", max_delay=0)).load()


@pytest.mark.parametrize("label", list(QUESTIONS))
def test_hostile_questions_get_an_answer_or_a_clear_message(engine, label):
    question, message = QUESTIONS[label]
    h = webapp.make_handlers(engine)
    messages, _, turns = h["respond"](question, [], "", "")
    reply = messages[1]["content"]
    if message:
        assert message in reply
    else:
        assert turns[-1]["answer"] is not None and reply
    user = messages[0]["content"]
    assert "<script" not in user and "<img" not in user and "49" not in user.replace("7\\*7", "")
    api = h["ask_api"](question)
    assert ("error" in api) == bool(message)


UPLOADS = {
    "empty": ("empty.txt", b"", "empty"),
    "binary named .txt": ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
    "non-UTF-8": ("latin.txt", "Café résumé".encode("latin-1"), "not UTF-8"),
    "over the size limit": ("big.txt", b"word " * 50_000, "too large"),
    "traversal name": ("../../etc/passwd", b"root:x:0:0", "not a supported report type"),
    "traversal name with extension": ("../../../etc/cron.d/evil.txt", makedocs.NO_COLON_TXT.encode(), None),
    "absolute name": ("/etc/hosts.md", makedocs.PILOT_TXT.encode(), None),
    "NUL in name": ("evil\x00.txt.sh", b"echo hi", "not a supported report type"),
    "unicode trick in name": ("report\u202etxt.exe", b"text", "not a supported report type"),
    "duplicate": ("again.txt", None, "already in the corpus as 000_cc368b11dbfad350.txt"),
    "unsupported extension": ("tool.exe", b"MZ\x90\x00", "not a supported report type"),
    "zip bomb named .docx": ("bomb.docx", None, "zip bomb"),
    "PDF named .docx": ("report.docx", None, "named .docx but it is a PDF"),
    "encrypted PDF": ("locked.pdf", None, "encrypted"),
}


def _data(label: str, settings: Settings) -> bytes:
    name, data, _ = UPLOADS[label]
    if data is not None:
        return data
    return {"duplicate": lambda: (settings.corpus_dir / DERBYSHIRE).read_bytes(),
            "zip bomb named .docx": lambda: makedocs.zip_bomb_docx(120_000_000),
            "PDF named .docx": makedocs.cqc_pdf, "encrypted PDF": makedocs.encrypted_pdf}[label]()


@pytest.mark.parametrize("label", list(UPLOADS))
def test_hostile_uploads_are_refused_or_stored_safely_and_lose_nothing(engine, label):
    s = engine.settings
    name, _, reason = UPLOADS[label]
    before_corpus, before_index = tree_digest(s.corpus_dir), tree_digest(s.index_dir)
    (check,) = admin.check_uploads(s, [(name, _data(label, s))])
    if reason:
        assert not check.ok and reason in check.reason
        with pytest.raises(admin.AdminError, match="Nothing to add"):
            engine.add([check])
        assert tree_digest(s.corpus_dir) == before_corpus and tree_digest(s.index_dir) == before_index
        return
    # accepted: stored inside corpus/ under a safe name, every existing file untouched
    assert check.ok and "/" not in check.name and not check.name.startswith(".")
    written, _ = engine.add([check])
    assert (s.corpus_dir / written[0]).resolve().parent == s.corpus_dir.resolve()
    after = tree_digest(s.corpus_dir)
    assert all(after.get(k) == v for k, v in before_corpus.items() if k != "metadata.json")


@pytest.mark.parametrize("metadata_json", ["[1, 2]", '"text"', '{"a.txt": 3}', "{bad json"])
def test_upload_metadata_of_the_wrong_shape_is_refused_saying_what_it_must_be(engine, metadata_json, tmp_path):
    before = tree_digest(engine.settings.corpus_dir)
    f = tmp_path / "new.txt"
    f.write_text(makedocs.EXAMPLESHIRE, encoding="utf-8")
    got = webapp.make_handlers(engine, uploads=tmp_path)["admin_upload_api"]("pw", [str(f)], metadata_json)
    assert got["ok"] is False and ("must be a JSON object" in got["error"] or "Expecting" in got["error"])
    assert tree_digest(engine.settings.corpus_dir) == before

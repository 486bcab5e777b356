"""Reading the corpus: bad files are skipped with a reason that names them; nothing is modified."""

from __future__ import annotations

from conftest import DERBYSHIRE, tree_digest

from assistant import store
from assistant.corpus import decode_text, scan


def test_seed_reports_are_byte_for_byte_the_shared_seeds():
    from conftest import CORPUS, SEEDS

    if not SEEDS.is_dir():
        return  # the shared folder is beside the repository in development and CI
    for seed in SEEDS.glob("*.txt"):
        assert (CORPUS / seed.name).read_bytes() == seed.read_bytes()


def test_bad_files_are_skipped_with_a_named_reason(corpus_dir):
    (corpus_dir / "empty.txt").write_bytes(b"")
    (corpus_dir / "blank.txt").write_bytes(b"  \n\t\n")
    (corpus_dir / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (corpus_dir / "latin1.txt").write_bytes("Caf\xe9 report".encode("latin-1"))
    (corpus_dir / "big.txt").write_bytes(b"x " * 30_000)
    (corpus_dir / "report.pdf").write_bytes(b"%PDF-1.4")
    (corpus_dir / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    reports, skipped = scan(corpus_dir, max_bytes=50_000)
    reasons = {s.doc: s.reason for s in skipped}
    assert reasons["empty.txt"].startswith("empty")
    assert reasons["blank.txt"].startswith("empty")
    assert reasons["binary.txt"].startswith("binary")
    assert reasons["latin1.txt"].startswith("not UTF-8 (byte 0xe9 at offset 3)")
    assert reasons["big.txt"].startswith("too large")
    assert reasons["report.pdf"].startswith("not a readable PDF")
    assert "unsupported file type '.xlsx'" in reasons["sheet.xlsx"]
    assert sorted(r.doc for r in reports) == [DERBYSHIRE, "001_d6b23fda1bcedbce.txt",
                                              "004_2dd4222f7e7a0857.txt"]


def test_indexing_skips_bad_files_warns_and_modifies_nothing(settings, corpus_dir, fake, caplog):
    (corpus_dir / "empty.txt").write_bytes(b"")
    (corpus_dir / "latin1.txt").write_bytes("Caf\xe9".encode("latin-1"))
    before = tree_digest(corpus_dir)
    result = store.build(settings, fake)
    assert tree_digest(corpus_dir) == before
    assert set(result.skipped) == {"empty.txt", "latin1.txt"}
    assert sorted(result.manifest.reports) == ["000_cc368b11dbfad350.txt", "001_d6b23fda1bcedbce.txt",
                                               "004_2dd4222f7e7a0857.txt"]
    assert "skipped empty.txt: empty" in caplog.text
    assert "skipped latin1.txt: not UTF-8" in caplog.text


def test_decoding_matches_read_text_with_universal_newlines(tmp_path):
    p = tmp_path / "crlf.txt"
    p.write_bytes("line one\r\nline two\rline three\n‘quoted’".encode())
    assert decode_text(p.read_bytes()) == p.read_text(encoding="utf-8")

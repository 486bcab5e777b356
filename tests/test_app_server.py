"""The app launched on loopback (`python app.py`) and driven through its API with gradio_client."""

from __future__ import annotations

import pytest
from conftest import DERBYSHIRE, tree_digest
from gradio_client import Client, handle_file
from makedocs import EXAMPLESHIRE

pytestmark = pytest.mark.slow

NEW = EXAMPLESHIRE


@pytest.fixture(scope="module")
def client(server):
    return Client(server.url + "/", verbose=False)


def test_ask_over_http_returns_cited_quotes(client, server):
    d = client.predict("How do young people move to adult services?", "", "", api_name="/ask")
    assert not d["abstained"] and d["citations"]
    for c in d["citations"]:
        text = (server.corpus / c["doc"]).read_text(encoding="utf-8")
        assert text[c["start"]:c["end"]] == c["quote"]
    assert d["permalinks"][0].startswith("/report?doc=")


@pytest.mark.parametrize("password", ["", "wrong"])
def test_admin_api_refuses_without_the_password(client, server, password, tmp_path):
    before = tree_digest(server.corpus)
    said = client.predict(password, api_name="/admin_status")
    assert ("Enter the admin password" if not password else "Wrong admin password") in said
    f = tmp_path / "new.txt"
    f.write_text(NEW, encoding="utf-8")
    assert client.predict(password, [handle_file(str(f))], "", api_name="/admin_upload")["ok"] is False
    assert client.predict(password, DERBYSHIRE, api_name="/admin_remove")["ok"] is False
    assert client.predict(password, api_name="/admin_rebuild")["ok"] is False
    assert tree_digest(server.corpus) == before


def test_admin_upload_then_ask_then_remove(client, server, tmp_path):
    f = tmp_path / "exampleshire.txt"
    f.write_text(NEW, encoding="utf-8")
    r = client.predict(server.PASSWORD, [handle_file(str(f))], "", api_name="/admin_upload")
    assert r["ok"] and r["added"] == ["exampleshire.txt"]
    d = client.predict("kestrel hub triage referrals", "", "", api_name="/ask")
    assert d["citations"][0]["doc"] == "exampleshire.txt"
    assert d["index_version"] == r["index_version"]
    again = client.predict(server.PASSWORD, [handle_file(str(f))], "", api_name="/admin_upload")
    assert again["ok"] is False and "already in the corpus as exampleshire.txt" in str(again["refused"])
    r = client.predict(server.PASSWORD, "exampleshire.txt", api_name="/admin_remove")
    assert r["ok"]
    d = client.predict("kestrel hub triage referrals", "", "", api_name="/ask")
    assert all(c["doc"] != "exampleshire.txt" for c in d["citations"])
    assert (server.corpus / ".removed").is_dir()
    removed = client.predict(server.PASSWORD, api_name="/admin_removed")
    (entry,) = [r for r in removed["removed"] if r["doc"] == "exampleshire.txt"]
    assert entry["authority"] == "Exampleshire County Council"
    r = client.predict(server.PASSWORD, entry["name"], api_name="/admin_restore")
    assert r["ok"] and r["restored"] == "exampleshire.txt"
    d = client.predict("kestrel hub triage referrals", "", "", api_name="/ask")
    assert d["citations"][0]["doc"] == "exampleshire.txt" and d["index_version"] == r["index_version"]
    d = client.predict("kestrel hub triage referrals", "Nowhere Council", "", api_name="/ask")
    assert "authority filter matches nothing" in d["error"]


def _call(url: str, api: str, data: list, source: str) -> str:
    """One call of a Gradio API endpoint over HTTP, from loopback address `source` (another "client")."""
    import json

    import httpx

    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=60) as http:
        event = http.post(f"{url}/gradio_api/call/{api}", json={"data": data}).json()["event_id"]
        body = http.get(f"{url}/gradio_api/call/{api}/{event}").text
    lines = [ln[len("data: "):] for ln in body.splitlines() if ln.startswith("data: ")]
    return json.loads(lines[-1])[0]


def test_a_flood_of_wrong_passwords_locks_out_its_own_address_and_stalls_nobody(server):
    import concurrent.futures
    import time

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        flood = list(pool.map(lambda i: _call(server.url, "admin_status", [f"guess {i}"], "127.0.0.2"), range(32)))
    assert all("Wrong admin password" in r or "Too many wrong admin passwords from 127.0.0.2" in r for r in flood)
    assert any("Too many wrong admin passwords" in r for r in flood)
    t = time.perf_counter()
    ok = _call(server.url, "admin_status", [server.PASSWORD], "127.0.0.3")  # another address: straight in
    assert "**Index**" in ok and time.perf_counter() - t < 10  # (was 27.9 s behind a 16-client flood)
    assert "Too many wrong admin passwords" in _call(server.url, "admin_status", [server.PASSWORD], "127.0.0.2")


def _upload(url: str, name: str, size: int, source: str) -> int:
    import httpx

    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=60) as http:
        return http.post(f"{url}/gradio_api/upload", files={"files": (name, b"x" * size)}).status_code


def test_uploads_are_capped_by_size_and_by_address_and_deleted_once_added(client, server, tmp_path):
    # a file larger than a report may be is refused as it arrives
    assert _upload(server.url, "big.txt", 5_100_000, "127.0.0.5") == 413
    # an address has its budget for the hour; another address has its own
    sizes = [4_900_000] * 4
    assert [_upload(server.url, f"part{i}.txt", n, "127.0.0.4") for i, n in enumerate(sizes)] == [200] * 4
    assert _upload(server.url, "one-more.txt", 4_900_000, "127.0.0.4") == 429
    assert _upload(server.url, "other.txt", 1_000, "127.0.0.6") == 200
    # an upload added to the corpus is deleted from the upload folder
    f = tmp_path / "quillham.txt"
    f.write_text("Quillham County Council: Winter Plan\nQuillham books gritting lorries for every care home.\n",
                 encoding="utf-8")
    r = client.predict(server.PASSWORD, [handle_file(str(f))], "", api_name="/admin_upload")
    assert r["ok"] and r["added"] == ["quillham.txt"]
    assert not [p for p in server.uploads.rglob("quillham.txt")]

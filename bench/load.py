"""Load on the running app through its real HTTP API, with a re-index under way, bounded in users and time.

    python bench/load.py [--users 20] [--seconds 60] [--burst-users 100] [--burst-seconds 30]

Starts `python app.py` on loopback on a private copy of the corpus, then:
1. `--users` simulated staff ask the dev questions back to back for `--seconds` through Gradio's REST API
   (/gradio_api/call/ask). A third of the way in, an admin uploads a new report; two thirds in, removes it.
   Every answer is checked: not empty, and each quote is exactly the text at its offsets in the index
   version the answer names (old or new, never a mix). After the upload, a question about the new report
   must cite it.
2. `--burst-users` users for `--burst-seconds`: past capacity, requests should wait in the queue, not fail.
Prints completed requests, errors, throughput and p50/p95/p99 latency for each phase. Traffic goes only to
127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import store  # noqa: E402
from assistant.segment import read_text  # noqa: E402

NEW_REPORT = ("Exampleshire County Council: local authority assessment\nSafeguarding\nScore: 2\n"
              "2 - Evidence shows some shortfalls\nKey findings for this quality statement\n"
              "Safeguarding referrals in Exampleshire waited for triage at the kestrel hub. Leaders said a new "
              "triage hub opened in May.\n")
NEW_QUESTION = "Where do Exampleshire safeguarding referrals wait for triage?"


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def line(self, name: str, seconds: float) -> str:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [lat[0] if lat else 0] * 99
        return (f"{name}: {len(lat)} completed, {len(self.errors)} errors, {len(lat) / seconds:.1f} answers/s, "
                f"latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms")


def ask(client: httpx.Client, url: str, question: str, timeout: float = 120) -> dict:
    """One question through Gradio's REST API: queue a call, then read its result stream."""
    r = client.post(f"{url}/gradio_api/call/ask", json={"data": [question, "", ""]}, timeout=timeout)
    r.raise_for_status()
    event = r.json()["event_id"]
    with client.stream("GET", f"{url}/gradio_api/call/ask/{event}", timeout=timeout) as s:
        kind = None
        for line in s.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                if kind == "error":
                    raise RuntimeError(f"server error: {line[5:].strip()}")
                return json.loads(line[5:])[0]
    raise RuntimeError("the result stream ended without a result")


class Verifier:
    """Checks each quote against the text of the index version the answer came from."""

    def __init__(self, index_dir: Path, corpus_dir: Path):
        self.index_dir, self.corpus_dir = index_dir, corpus_dir
        self.cache: dict[tuple[str, str], str | None] = {}

    def text(self, version: str, doc: str) -> str | None:
        key = (version, doc)
        if key not in self.cache:
            indexed = None
            with contextlib.suppress(OSError, ValueError, KeyError):
                manifest = store.Manifest.read(self.index_dir / version)
                indexed = read_text(self.index_dir / version / manifest.reports[doc].segment, doc)
            if indexed is not None:
                self.cache[key] = indexed
            elif (self.corpus_dir / doc).exists():
                self.cache[key] = (self.corpus_dir / doc).read_text(encoding="utf-8")
            else:
                found = list((self.corpus_dir / ".removed").glob(f"*-{doc}"))
                self.cache[key] = found[0].read_text(encoding="utf-8") if found else None
        return self.cache[key]

    def problems(self, answer: dict) -> list[str]:
        if answer.get("error"):
            return [f"error answer: {answer['error']}"]
        if not answer.get("answer"):
            return ["empty answer"]
        out = []
        for c in answer["citations"]:
            text = self.text(answer["index_version"], c["doc"])
            if text is None or text[c["start"]:c["end"]] != c["quote"]:
                out.append(f"quote from {c['doc']} {c['start']}-{c['end']} does not match version "
                           f"{answer['index_version']}")
        return out


def drive(url: str, users: int, seconds: float, questions: list[str], verifier: Verifier) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + seconds

    def user(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                q = rng.choice(questions)
                t = time.perf_counter()
                try:
                    answer = ask(client, url, q)
                    problems = verifier.problems(answer)
                except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
                    problems = [f"{type(exc).__name__}: {exc}"]
                    answer = {}
                with stats.lock:
                    if problems:
                        stats.errors.extend(problems)
                    else:
                        stats.latencies.append(time.perf_counter() - t)
                        stats.versions.add(answer["index_version"])

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats


def admin_changes(url: str, password: str, seconds: float, workdir: Path, log: list[str]) -> None:
    """A third of the way in, add a report; check it is answered once live; two thirds in, remove it."""
    from gradio_client import Client, handle_file

    client = Client(url + "/", verbose=False)
    time.sleep(seconds / 3)
    f = workdir / "exampleshire.txt"
    f.write_text(NEW_REPORT, encoding="utf-8")
    t = time.perf_counter()
    r = client.predict(password, [handle_file(str(f))], "", api_name="/admin_upload")
    log.append(f"added a report in {time.perf_counter() - t:.1f} s under load: {r.get('added')} -> "
               f"{r.get('index_version')}")
    with httpx.Client() as http:
        a = ask(http, url, NEW_QUESTION)
    cited = any(c["doc"] == "exampleshire.txt" for c in a["citations"])
    log.append(f"question about the new report after the swap: {'cited' if cited else 'NOT CITED'}")
    if not cited:
        raise AssertionError("the new report was not cited after it was added")
    time.sleep(max(0.0, seconds / 3 - (time.perf_counter() - t)))
    t = time.perf_counter()
    r = client.predict(password, "exampleshire.txt", api_name="/admin_remove")
    log.append(f"removed it in {time.perf_counter() - t:.1f} s under load -> {r.get('index_version')}")


def start_app(corpus: Path, index: Path, password: str) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index),
           "ASSISTANT_PORT": str(port), "ASSISTANT_ADMIN_PASSWORD": password}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2).close()
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() - t0 > 180:
                proc.kill()
                raise RuntimeError("the app did not start") from None
            time.sleep(0.3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--burst-users", type=int, default=100)
    ap.add_argument("--burst-seconds", type=float, default=30)
    args = ap.parse_args()
    questions = [json.loads(x)["question"] for x in
                 (ROOT.parent / "shared" / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    password = "load-test-password"
    try:
        shutil.copytree(ROOT / "corpus", work / "corpus")
        proc, url = start_app(work / "corpus", work / "index", password)
        verifier = Verifier(work / "index", work / "corpus")
        try:
            log: list[str] = []
            admin = threading.Thread(target=admin_changes, args=(url, password, args.seconds, work, log))
            admin.start()
            stats = drive(url, args.users, args.seconds, questions, verifier)
            admin.join()
            print(stats.line(f"{args.users} users x {args.seconds:.0f} s with a re-index (add, then remove)",
                             args.seconds))
            print(f"  index versions answered from: {len(stats.versions)} ({', '.join(sorted(stats.versions))})")
            for line in log:
                print(f"  {line}")
            for e in stats.errors[:10]:
                print(f"  error: {e}")
            burst = drive(url, args.burst_users, args.burst_seconds, questions, verifier)
            print(burst.line(f"{args.burst_users} users x {args.burst_seconds:.0f} s (past capacity)",
                             args.burst_seconds))
            for e in burst.errors[:10]:
                print(f"  error: {e}")
        finally:
            proc.terminate()
            proc.wait(15)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

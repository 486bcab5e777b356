"""The web app as a person meets it, measured in one run: cold start, and how long a browser waits for an
answer.

    python bench/app_latency.py [--questions 12] [--runs 3]

Cold start: `python app.py` from process start until the page is served (index already built, so this is
imports + model + index load + Gradio), median of --runs starts. Browser wait: Debian's chromium (via
Playwright) types a dev question, clicks Ask, and waits until the answer is on screen; p50/p95 over the
questions, beside the in-process `ask` time of the same questions for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env: dict) -> tuple[subprocess.Popen, float, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env={**env, "ASSISTANT_PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the app exited during start-up") from None
            time.sleep(0.05)
    return proc, time.perf_counter() - t0, url


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=12)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from assistant import store
    from assistant.answer import Answerer
    from assistant.embed import SentenceTransformerEmbedder
    from assistant.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-app-"))
    try:
        shutil.copytree(ROOT / "corpus", work / "corpus")
        env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(work / "corpus"), "ASSISTANT_INDEX_DIR": str(work / "index")}
        settings = Settings.from_env(env)
        embedder = SentenceTransformerEmbedder(settings.resolved_model_path())
        store.build(settings, embedder)  # the index is present before any timed start
        questions = [json.loads(line)["question"] for line in
                     (ROOT.parent / "shared" / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
                     if line.strip()][: args.questions]

        starts = []
        for _ in range(args.runs):
            proc, seconds, url = start(env)
            starts.append(seconds)
            proc.terminate()
            proc.wait(15)

        answerer = Answerer(store.load(settings), embedder, settings)
        inproc = []
        for q in questions:
            t = time.perf_counter()
            answerer.ask(q)
            inproc.append(time.perf_counter() - t)

        from browser import launch, wait_for_gradio
        from playwright.sync_api import sync_playwright

        proc, _, url = start(env)
        waits, http = [], []
        try:
            import httpx
            from load import ask as http_ask

            with httpx.Client() as client:
                http_ask(client, url, questions[0])  # warm-up
                for q in questions:
                    t = time.perf_counter()
                    http_ask(client, url, q)
                    http.append(time.perf_counter() - t)
            with sync_playwright() as p:
                browser = launch(p)
                page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
                wait_for_gradio(page, url + "/", ready="#question textarea")
                bot = page.locator("#chat [data-testid='bot']")
                for i, q in enumerate(questions):
                    page.locator("#question textarea").fill(q)
                    t = time.perf_counter()
                    page.get_by_role("button", name="Ask", exact=True).click()
                    bot.nth(i).wait_for(state="visible", timeout=60_000)
                    waits.append(time.perf_counter() - t)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(15)

        ms = 1000
        print(f"cold start (process start -> page served, index present), median of {args.runs}: "
              f"{statistics.median(starts):.1f} s  (runs: {', '.join(f'{s:.1f}' for s in starts)})")
        print(f"browser wait for an answer ({len(waits)} dev questions): p50 {pct(waits, 50) * ms:.0f} ms, "
              f"p95 {pct(waits, 95) * ms:.0f} ms")
        print(f"over HTTP (Gradio REST API, one user): p50 {pct(http, 50) * ms:.0f} ms, "
              f"p95 {pct(http, 95) * ms:.0f} ms")
        print(f"in-process ask of the same questions: p50 {pct(inproc, 50) * ms:.1f} ms, "
              f"p95 {pct(inproc, 95) * ms:.1f} ms")
        enc = []
        for q in questions:
            t = time.perf_counter()
            embedder.embed_query(q)
            enc.append(time.perf_counter() - t)
        print(f"bare query encoding: p50 {pct(enc, 50) * ms:.1f} ms; ratios to it (p50): in-process "
              f"{pct(inproc, 50) / pct(enc, 50):.2f}x, HTTP {pct(http, 50) / pct(enc, 50):.1f}x, "
              f"browser {pct(waits, 50) / pct(enc, 50):.1f}x")
        print(f"ratio browser wait / in-process ask (p50): {pct(waits, 50) / pct(inproc, 50):.1f}x "
              "(the rest is Gradio's queue, websocket round trips and rendering)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEmbedder  # noqa: E402

from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402

CORPUS = PROJECT_ROOT / "corpus"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
DEV = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"
DERBYSHIRE = "000_cc368b11dbfad350.txt"
CAMDEN = "001_d6b23fda1bcedbce.txt"
WINTER = "004_2dd4222f7e7a0857.txt"


def text_of(doc: str) -> str:
    return (CORPUS / doc).read_text(encoding="utf-8")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus (reports and metadata)."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    return Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "index")


@pytest.fixture
def fake() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    from assistant.embed import SentenceTransformerEmbedder
    from assistant.settings import bundled_model_path

    emb = SentenceTransformerEmbedder(bundled_model_path())
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def real_index(tmp_path_factory, real_embedder):
    """The bundled corpus indexed once with the real model: (settings, index)."""
    from assistant import store

    root = tmp_path_factory.mktemp("real")
    shutil.copytree(CORPUS, root / "corpus")
    s = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    store.build(s, real_embedder)
    return s, store.load(s)


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def dev_questions() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`python app.py` on loopback, on a private copy of the corpus, with an admin password."""

    PASSWORD = "correct horse battery staple"
    UPLOAD_BUDGET = 20_000_000  # bytes an address may upload in an hour

    def __init__(self, root: Path):
        import os
        import subprocess
        import sys
        import time
        import urllib.request

        from assistant.settings import PROJECT_ROOT

        self.corpus = root / "corpus"
        self.uploads = root / "uploads"  # the app's upload folder (GRADIO_TEMP_DIR)
        shutil.copytree(CORPUS, self.corpus)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(self.corpus), "ASSISTANT_INDEX_DIR": str(root / "index"),
               "ASSISTANT_PORT": str(self.port), "ASSISTANT_ADMIN_PASSWORD": self.PASSWORD,
               "ASSISTANT_UPLOAD_BYTES_PER_HOUR": str(self.UPLOAD_BUDGET),
               "GRADIO_TEMP_DIR": str(self.uploads), "GRADIO_ANALYTICS_ENABLED": "False"}
        self.log = open(root / "app.log", "w")  # noqa: SIM115 - closed in stop()
        t0 = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    self.version = json.loads(r.read())["index"]
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() - t0 > 180:
                    self.stop()
                    raise RuntimeError(f"the app did not start: {(root / 'app.log').read_text()[-2000:]}") from None
                time.sleep(0.3)
        self.started_in = time.monotonic() - t0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except Exception:  # noqa: BLE001
                self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py` on loopback for the tests of one module (its own corpus copy and index)."""
    s = AppServer(tmp_path_factory.mktemp("server"))
    yield s
    s.stop()

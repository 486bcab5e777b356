"""Test doubles: a deterministic lexical embedder that counts what it embeds."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DIM = 256


def _vector(text: str) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    for tok in re.findall(r"[a-z0-9]+", text.lower()):
        h = int.from_bytes(hashlib.sha256(tok.encode()).digest()[:4], "little")
        v[h % DIM] += 1.0
    n = np.linalg.norm(v)
    return v / n if n else v


class FakeEmbedder:
    """Bag-of-words hashed into 256 dims: similar wording gives similar vectors, exactly repeatable."""

    def __init__(self, model_id: str = "fake@1", delay: float = 0.0, marker: Path | None = None):
        self._model_id = model_id
        self.delay = delay
        self.marker = marker
        self.embedded: list[str] = []  # every document text embedded, in order
        self.queries = 0

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return DIM

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        out = []
        for i, t in enumerate(texts):
            if self.marker is not None and i == len(texts) // 2:
                self.marker.write_text("embedding")
            if self.delay:
                time.sleep(self.delay)
            self.embedded.append(t)
            out.append(_vector(t))
        return np.stack(out) if out else np.zeros((0, DIM), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return _vector(text)


class FailingEmbedder(FakeEmbedder):
    """Fails half-way through embedding, as a crash would."""

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        super().embed_documents(texts[: len(texts) // 2])
        raise RuntimeError("simulated crash half-way through embedding")

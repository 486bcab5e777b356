"""Embeddings: a small interface, the real sentence-transformers model behind it, loaded only on first use.

Vectors are L2-normalised, so an inner product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import ModelError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the index and the retriever need of a model."""

    @property
    def model_id(self) -> str:  # changes when the model changes: an index built with another is stale
        ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _fingerprint(path: Path) -> str:
    """A cheap identity of a model folder: its configuration files' bytes and its weight files' sizes."""
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(path).as_posix()
        h.update(rel.encode())
        if p.suffix in (".json", ".txt") and p.stat().st_size < 5_000_000:
            h.update(p.read_bytes())
        else:
            h.update(str(p.stat().st_size).encode())
    return h.hexdigest()[:12]


def _dimension(model) -> int:
    # sentence-transformers 6 renamed get_sentence_embedding_dimension
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder, never from a hub.

    >>> emb = SentenceTransformerEmbedder(bundled_model_path())
    >>> emb.embed_query("hospital discharge").shape
    (384,)
    """

    def __init__(self, model_path: Path, batch_size: int = 32):
        self.path = Path(model_path)
        self.batch_size = batch_size
        if not (self.path / "modules.json").exists() and not (self.path / "config.json").exists():
            raise ModelError(f"No sentence-transformers model at {self.path}. Set ASSISTANT_MODEL_PATH to a "
                             "local model folder, or leave it empty for the bundled all-MiniLM-L6-v2.")
        name = self.path.name if self.path.name != "model" else self.path.parent.name
        self._model_id = f"{name}@{_fingerprint(self.path)}"
        self._model = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return _dimension(self.model)

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        # No network: the model is a local folder. These stop any library from trying a hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # "Loading weights" on every start is noise

        try:
            model = SentenceTransformer(str(self.path), device="cpu")
        except Exception as exc:  # noqa: BLE001 - any failure here means the folder is not a usable model
            raise ModelError(f"Could not load the embedding model from {self.path}: {exc}") from exc
        log.info("loaded embedding model %s (%d dims)", self._model_id, _dimension(model))
        return model

    def warm_up(self) -> None:
        self.model  # noqa: B018 - loads it

    def words(self) -> frozenset[str]:
        """The whole lower-case words the model's tokenizer knows (its vocab.txt, without word pieces): a
        dictionary of real words, so a correctly spelt word the reports never use is not taken for a typo."""
        vocab = self.path / "vocab.txt"
        if not vocab.is_file():
            return frozenset()
        return frozenset(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower())

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vec = self.model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)
        return np.ascontiguousarray(vec[0], dtype=np.float32)

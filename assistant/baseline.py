"""The textbook pipelines, for side-by-side measurement: 1000-character recursive chunks (200 overlap), the top
k chunks by the same model (FAISS) or by BM25, and the top three chunks pasted together as the answer. Never
abstains. What the assistant's answers are compared with in `eval`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .dense import Dense
from .embed import Embedder
from .lexical import BM25, Terms

DENSE, LEXICAL = "dense", "bm25"


class TextbookBaseline:
    def __init__(self, texts: Mapping[str, str], embedder: Embedder | None, chunk_size: int = 1000,
                 overlap: int = 200, answer_chunks: int = 3, retriever: str = DENSE):
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True)
        self.chunks: list[tuple[str, int, int]] = []
        for doc, text in texts.items():
            for d in splitter.create_documents([text]):
                start = d.metadata["start_index"]
                self.chunks.append((doc, start, start + len(d.page_content)))
        self.texts = texts
        self.embedder = embedder
        self.answer_chunks = answer_chunks
        self.retriever = retriever
        passages = [texts[d][s:e] for d, s, e in self.chunks]
        if retriever == DENSE:
            if embedder is None:
                raise ValueError("the dense baseline needs an embedder")
            self.dense = Dense.build(embedder.embed_documents(passages))
        else:
            self.bm25 = BM25([Terms.build(passages)])

    @property
    def name(self) -> str:
        how = "MiniLM + FAISS" if self.retriever == DENSE else "BM25"
        return f"textbook {how} ({self.size} x 1000-char chunks, top 3 as answer)"

    def _top(self, question: str, k: int) -> list[tuple[float, int]]:
        if self.retriever == DENSE:
            scores, ids = self.dense.search(self.embedder.embed_query(question), k)
            return [(float(s), int(i)) for s, i in zip(scores, ids, strict=True) if i >= 0]
        scores = self.bm25.scores(question)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(float(scores[i]), int(i)) for i in order if scores[i] > 0]

    def ask(self, question: str, k: int = 5) -> dict[str, Any]:
        cits = []
        for s, i in self._top(question, k):
            doc, a, b = self.chunks[i]
            cits.append({"doc": doc, "start": a, "end": b, "quote": self.texts[doc][a:b], "score": s})
        answer = "\n".join(c["quote"] for c in cits[: self.answer_chunks])
        return {"answer": answer, "abstained": False, "citations": cits}

    @property
    def size(self) -> int:
        return len(self.chunks)

"""The textbook pipeline, for side-by-side measurement: 1000-character recursive chunks (200 overlap), the
same model, FAISS top-k, and the top three chunks pasted together as the answer. Never abstains."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .dense import Dense
from .embed import Embedder


class TextbookBaseline:
    def __init__(self, texts: Mapping[str, str], embedder: Embedder, chunk_size: int = 1000, overlap: int = 200,
                 answer_chunks: int = 3):
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
        vectors = embedder.embed_documents([texts[d][s:e] for d, s, e in self.chunks])
        self.dense = Dense.build(vectors)

    def ask(self, question: str, k: int = 5) -> dict[str, Any]:
        scores, ids = self.dense.search(self.embedder.embed_query(question), k)
        cits = []
        for s, i in zip(scores, ids, strict=True):
            if i < 0:
                continue
            doc, a, b = self.chunks[int(i)]
            cits.append({"doc": doc, "start": a, "end": b, "quote": self.texts[doc][a:b], "score": float(s)})
        answer = "\n".join(c["quote"] for c in cits[: self.answer_chunks])
        return {"answer": answer, "abstained": False, "citations": cits}

    @property
    def size(self) -> int:
        return len(self.chunks)



"""Council reports assistant: retrieval over CQC assessments and council plans, answered in cited quotes.

The pipeline, one module a stage: corpus (read reports) -> metadata -> parse (structure) -> chunk ->
embed -> store (the index on disk: dense + lexical) -> retrieve (hybrid search) -> answer (quotes with
citations; question and scores help it). `cli` is a thin shell.

    >>> from assistant import Settings, SentenceTransformerEmbedder, build, load, Retriever
    >>> settings = Settings.from_env()
    >>> embedder = SentenceTransformerEmbedder(settings.resolved_model_path())
    >>> build(settings, embedder)
    >>> hits = Retriever(load(settings), embedder, settings).search("PPE for unpaid carers")
    >>> answer = Answerer(load(settings), embedder, settings).ask("What did Camden score?")
    >>> answer.text, answer.citations[0].quote
"""

from .answer import Answer, Answerer, Citation
from .chunk import Chunk
from .embed import Embedder, SentenceTransformerEmbedder
from .errors import (
    AssistantError,
    CorpusError,
    IndexBusy,
    IndexCorrupt,
    IndexMissing,
    ModelError,
    QueryError,
    SettingsError,
)
from .metadata import Metadata
from .retrieve import Filters, Hit, Retriever
from .settings import Settings
from .store import BuildResult, Index, build, load

__all__ = [
    "Answer", "Answerer", "Citation", "AssistantError", "BuildResult", "Chunk", "CorpusError", "Embedder",
    "Filters", "Hit", "Index",
    "IndexBusy", "IndexCorrupt", "IndexMissing", "Metadata", "ModelError", "QueryError", "Retriever",
    "SentenceTransformerEmbedder", "Settings", "SettingsError", "build", "load",
]

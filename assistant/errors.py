"""Errors a user can act on. Only the CLI and the app turn them into messages.

    AssistantError
    ├── SettingsError        a setting in the environment is invalid
    ├── CorpusError          the corpus folder is missing or unusable
    ├── IndexError_          base for problems with the built index
    │   ├── IndexMissing     nothing has been built yet
    │   ├── IndexCorrupt     files are missing, truncated, or from another format version
    │   └── IndexBusy        another build holds the lock
    ├── ModelError           the embedding model cannot be loaded from its local path
    └── QueryError           the question cannot be searched (empty, ...)

Each message names the bad value and the next step.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class SettingsError(AssistantError):
    pass


class CorpusError(AssistantError):
    pass


class IndexError_(AssistantError):  # noqa: N801 - trailing underscore: the builtin IndexError is unrelated
    pass


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class IndexBusy(IndexError_):
    pass


class ModelError(AssistantError):
    pass


class QueryError(AssistantError):
    pass


REBUILD_HINT = "Run `python -m assistant index --rebuild` to rebuild it."
INDEX_HINT = "Run `python -m assistant index` to build it."

"""The running assistant behind the web app: one loaded index and model, answers for many users at once,
and re-indexing in the background with the new index swapped in only when it is complete.

    >>> engine = Engine(Settings.from_env())
    >>> engine.ask("what did Camden score?").citations[0].quote
"""

from __future__ import annotations

import gc
import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote as quote_url

from . import admin, store
from .answer import Answer, Answerer
from .embed import Embedder, SentenceTransformerEmbedder
from .errors import AssistantError, IndexBusy, IndexCorrupt, IndexMissing
from .metadata import Metadata, shown
from .retrieve import Filters
from .segment import read_text
from .settings import Settings

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Passage:
    """A report's text as a permalink opens it."""

    text: str
    md: Metadata
    version: str  # the index version shown
    note: str  # what differs from what the link was made with, if anything
    pages: tuple[int, ...]
    current: str = ""  # a link to the report as indexed now, when this is an earlier version of it
    exact: bool = False  # this is the very text the link was made from (its report version is kept)
    key: str = ""  # the version shown (`store.text_key`), for a fresh permalink to it


class FilterError(AssistantError):
    """A filter that names no indexed report or authority (it would silently match nothing)."""


_GENERATION = re.compile(r"^gen-[0-9T]+-[0-9a-f]+$")


@dataclass(frozen=True)
class Status:
    reports: dict[str, dict]  # doc -> metadata + chunks + layout + unknown fields
    skipped: dict[str, str]
    model: str
    built_at: str | None
    generation: str | None
    stale: list[str]
    building: bool


def _settle() -> None:
    """Move what is alive now, the loaded index above all, out of the garbage collector's sight
    (`gc.freeze`): it lives as long as it is served, and each collection walking its millions of objects
    cost an add at 1M chunks a third of its time. Reference counting still frees an index swapped out."""
    gc.freeze()


def _warm_up(index: store.Index) -> None:
    try:
        index.manifest.lookup  # noqa: B018 - computed and cached
        index.common_words()
    except Exception:  # noqa: BLE001 - computed again on first need
        log.exception("warming up the index failed")


class Engine:
    """Thread-safe: `ask` may run in many threads while one `reindex` runs in another."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, gate: admin.AdminGate | None = None):
        self.settings = settings
        self.embedder = embedder or SentenceTransformerEmbedder(settings.resolved_model_path(),
                                                                settings.embed_batch_size)
        self.gate = gate or admin.AdminGate(settings.admin_password)
        self._answerer: Answerer | None = None
        self._build_lock = threading.Lock()
        self.building = False
        self.merging = False  # a merge of segments runs in the background (see `_merge_later`)
        self._merger: threading.Thread | None = None
        self._warmer: threading.Thread | None = None
        # Why the index cannot be served (damaged, another format version...); the app keeps running and
        # says so, and an admin rebuild clears it.
        self.problem: str | None = None

    # ----------------------------------------------------------------------------------------- serving

    def load(self) -> Engine:
        """Load the live index (building it first if there is none). Leftovers of a build that was killed
        are removed first. A damaged index does not stop the app: `problem` says what is wrong and how to
        repair it, and every question gets that message until an admin rebuilds."""
        try:
            with store.build_lock(self.settings.index_dir):
                store.clean_leftovers(self.settings.index_dir, keep_previous=None)
        except IndexBusy:
            log.info("a build is running elsewhere: leaving its files alone")
        try:
            index = store.load(self.settings)
        except IndexMissing:
            log.warning("no index yet: building one from %s", self.settings.corpus_dir)
            store.build(self.settings, self.embedder)
            index = store.load(self.settings)
        except IndexCorrupt as exc:
            self.problem = str(exc)
            log.error("cannot serve the index: %s", exc)
            return self
        try:  # every version served has its text kept, so the links made from it open later (see store)
            store.keep_texts(self.settings.index_dir, index.manifest)
        except (OSError, ValueError, KeyError):
            log.exception("keeping the served reports' texts failed; permalinks fall back to the index versions")
        with store.no_gc():
            self._answerer = Answerer(index, self.embedder, self.settings)
        self.problem = None
        _settle()
        # what is otherwise computed on first need, over every report: the lookups the first add uses, and
        # the words that tell names from ordinary words (seconds of text at 100k chunks), in the background
        self._warmer = threading.Thread(target=_warm_up, args=(index,), name="warm-up", daemon=True)
        self._warmer.start()
        return self

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None and self.problem is None:
            self.load()
        if self._answerer is None:
            raise IndexCorrupt(self.problem or "The index could not be loaded.")
        return self._answerer

    @property
    def version(self) -> str:
        return self._answerer.index.manifest.generation if self._answerer else "none"

    def ask(self, question: str, authority: str | None = None, report: str | None = None) -> Answer:
        # one reference taken once: a swap during this call cannot mix two indexes in one answer
        answerer = self.answerer
        if report and report not in answerer.index.manifest.reports:
            raise FilterError(f"No indexed report is named {report!r}, so the report filter matches nothing. "
                              "Choose one of the reports listed, or all reports.")
        if authority and authority not in answerer.catalog.authorities:
            raise FilterError(f"No indexed report is about {authority!r}, so the authority filter matches "
                              "nothing. Choose one of the authorities listed, or all authorities.")
        return answerer.ask(question, Filters(authority=authority or None, doc=report or None))

    def reports(self) -> dict[str, Metadata]:
        if self._answerer is None:
            return {}
        idx = self._answerer.index
        return {doc: idx.metadata(doc) for doc in idx.manifest.reports}

    def check_uploads(self, files: list[tuple[str, bytes] | tuple[str, bytes, int]]) -> list[admin.UploadCheck]:
        """admin.check_uploads against the corpus, comparing unchanged reports by the live index's hashes."""
        indexed = self._answerer.index.manifest.reports if self._answerer is not None else None
        return admin.check_uploads(self.settings, files, indexed)

    def authorities(self) -> list[str]:
        return sorted({md.authority for md in self.reports().values() if md.authority})

    # ----------------------------------------------------------------------------------------- viewer

    def passage(self, doc: str, version: str | None = None, key: str | None = None) -> Passage:
        """The text of a report as a permalink names it: the version `key` (`store.text_key`) if it is kept,
        whatever was added, removed or replaced since; else as indexed in `version` while that index is kept;
        else as indexed now. KeyError: a report neither indexed now nor kept."""
        answerer = self.answerer
        index = answerer.index
        live = index.manifest.generation
        entry = index.manifest.reports.get(doc)
        exact = bool(key) and entry is not None and store.text_key(entry.sha256) == key  # the live version
        if key and not exact:
            kept = store.kept_text(self.settings.index_dir, key)
            if kept is not None and kept[1].get("doc") == doc:
                text, about = kept
                md = Metadata.from_dict(shown(about))
                first = f" (first indexed {about['first_seen'][:10]})" if about.get("first_seen") else ""
                if entry is not None:
                    note = (f"This report has been replaced since this link was made. This is the version the "
                            f"link quoted{first}; the current version is linked above.")
                    return Passage(text, md, version or live, note, tuple(about.get("pages") or ()),
                                   current=f"/report?doc={quote_url(doc)}&start=0&end=0&v={live}", exact=True,
                                   key=key)
                note = (f"This report has been removed from the index since this link was made: its passages are "
                        f"no longer quoted in answers. This is the version the link quoted{first}.")
                return Passage(text, md, version or live, note, tuple(about.get("pages") or ()), exact=True,
                               key=key)
        if not exact and version and version != live and _GENERATION.match(version):
            old = self.settings.index_dir / version
            try:
                manifest = store.Manifest.read(old, index.manifest)
                e = manifest.reports.get(doc)
                text = read_text(old / e.segment, doc) if e is not None else None
                if text is not None:
                    return Passage(text, Metadata.from_dict(e.metadata), version, "", tuple(e.pages),
                                   key=store.text_key(e.sha256))
            except (OSError, ValueError, AssistantError):
                pass
        if doc not in index.texts:
            raise KeyError(doc)
        note = ""
        if version and version != live and not exact:
            note = (f"This link was made with index {version}, which is no longer kept; the report is shown as "
                    f"indexed now ({live}).")
        md = index.metadata(doc)
        if md.superseded_by:
            note = (note + " " if note else "") + f"A newer report supersedes this one: {md.superseded_by}."
        return Passage(index.texts[doc], md, live, note, tuple(entry.pages), exact=exact,
                       key=store.text_key(entry.sha256))

    def pdf(self, doc: str, key: str | None) -> bytes | None:
        """The stored PDF of a report version (`key`: `store.text_key` of its file; None: the corpus's file),
        from the corpus or, for a report since removed or replaced, from corpus/.removed/; None if not kept."""
        if doc != Path(doc).name or doc.startswith(".") or not doc.lower().endswith(".pdf"):
            return None
        removed = self.settings.corpus_dir / admin.REMOVED_DIR
        kept = sorted((p for p in removed.iterdir() if p.name.endswith(f"-{doc}")), reverse=True) \
            if removed.is_dir() else []
        for path in [self.settings.corpus_dir / doc, *kept]:
            if path.is_file():
                data = path.read_bytes()
                if not key or store.text_key(hashlib.sha256(data).hexdigest()) == key:
                    return data
        return None

    # ----------------------------------------------------------------------------------------- admin

    def status(self) -> Status:
        try:
            manifest = store.read_manifest(self.settings.index_dir)
        except (IndexMissing, IndexCorrupt):
            manifest = None
        # unchanged reports are recognised from the manifest, not read again
        prep = store.prepare(self.settings, manifest)
        reports = {}
        for doc, e in prep.entries.items():
            built = manifest.reports.get(doc) if manifest else None
            md = Metadata.from_dict(e.metadata)
            reports[doc] = {**{k: getattr(md, k) for k in ("title", "authority", "kind", "quality_statement",
                                                            "score", "score_descriptor", "published",
                                                            "source_url")},
                            "layout": e.layout, "chunks": built.chunks if built else 0, "unknown": md.unknown()}
        stale = store.stale_reasons(manifest, prep, self.embedder.model_id, self.settings) if manifest else \
            [self.problem or "no index has been built"]
        return Status(reports, prep.skipped, self.embedder.model_id, manifest.built_at if manifest else None,
                      manifest.generation if manifest else None, stale, self.building)

    def reindex(self, rebuild: bool = False, progress: bool = False,
                only: list[str] | None = None) -> store.BuildResult:
        """Build the index from the corpus as it is now and swap it in. Answers keep coming from the old
        index until the new one is loaded. `only`: the files just added or removed, when that is all that
        changed (the rest of the corpus is then not looked at)."""
        # a background merge is waited for (it is bounded, and the add then starts from its result)
        if not self._build_lock.acquire(blocking=self.merging):
            raise admin.AdminError("A re-index is already running; wait for it to finish.")
        try:
            self.building = True
            current = self._answerer.index if self._answerer is not None else None
            incremental = only is not None and current is not None
            # the segments already in memory are reused: a re-index reads and writes only what changed. An add
            # or removal leaves merging segments for after the swap, so it costs what the upload costs.
            result = store.build(self.settings, self.embedder, rebuild=rebuild, progress=progress, previous=current,
                                 only=only if incremental else None, merge=not incremental)
            self._swap(result)
        finally:
            self.building = False
            self._build_lock.release()
        if incremental:
            self._merge_later()
        return result

    def _swap(self, result: store.BuildResult) -> None:
        current = self._answerer.index if self._answerer is not None else None
        index = store.load(self.settings, reuse=current, manifest=result.manifest)
        # the swap, one assignment; what the answerer derives from the reports is updated, not remade
        self._answerer = Answerer(index, self.embedder, self.settings, previous=self._answerer)
        self.problem = None
        _settle()
        log.info("serving index %s", index.manifest.generation)

    def _merge_later(self) -> None:
        """Merge segments in a background thread if the live index is due a merge (`store.merge_due`), as
        Lucene's merge scheduler does: answers keep coming from the live index, and the merged one is
        swapped in when complete. A re-index asked for meanwhile waits for it."""
        if self._answerer is None or not store.merge_due(self._answerer.index.manifest, self.settings):
            return
        self.merging = True
        self._merger = threading.Thread(target=self._merge_now, name="segment-merge", daemon=True)
        self._merger.start()

    def _merge_now(self) -> None:
        try:
            if not self._build_lock.acquire(blocking=False):
                return  # a re-index is running: the next add looks again
            try:
                if self._answerer is None:
                    return
                t0 = time.perf_counter()
                # nothing changed in the corpus (`only` empty): the build only merges
                result = store.build(self.settings, self.embedder, previous=self._answerer.index, only=())
                self._swap(result)
                log.info("merged %d segments in the background in %.2fs", result.merged, time.perf_counter() - t0)
            finally:
                self._build_lock.release()
        except Exception:  # noqa: BLE001 - the index served is complete without the merge; the next add retries
            log.exception("background merge failed; the index is served unmerged")
        finally:
            self.merging = False

    def wait_idle(self, timeout: float | None = None) -> None:
        """Wait for background work (the warm-up after loading, a merge), if any is running."""
        for thread in (self._warmer, self._merger):
            if thread is not None:
                thread.join(timeout)

    def add(self, checks: list[admin.UploadCheck], edits: dict[str, dict] | None = None,
            progress: bool = False) -> tuple[list[str], store.BuildResult]:
        if not any(c.ok for c in checks):
            raise admin.AdminError("Nothing to add: every file was refused (see the reasons).")
        names = admin.add_reports(self.settings, checks, edits)
        try:
            return names, self.reindex(progress=progress, only=names)
        except BaseException:
            # indexed and committed together, or not at all: the files this upload wrote go again
            admin.take_back(self.settings, [c.name for c in checks if c.ok and not c.unindexed])
            raise

    def remove(self, doc: str, progress: bool = False) -> tuple[Path, store.BuildResult]:
        shown = self.describe(doc) if doc in self.reports() else {}
        dest = admin.remove_report(self.settings, doc, shown)
        return dest, self.reindex(progress=progress, only=[doc])

    def describe(self, doc: str) -> dict:
        """What a report is and what it gives answers, as indexed: title, authority, kind, quality statement,
        score, overall rating and its number of passages. KeyError: not indexed."""
        entry = self.answerer.index.manifest.reports[doc]
        rating = entry.metadata.get("overall_rating")
        return {**shown(entry.metadata), **({"overall_rating": rating} if rating else {}), "chunks": entry.chunks}

    def removed(self) -> list[admin.RemovedReport]:
        return admin.removed_reports(self.settings)

    def restore(self, name: str, progress: bool = False) -> tuple[str, store.BuildResult]:
        """Put a removed report back (see admin.restore_report) and index it."""
        indexed = self._answerer.index.manifest.reports if self._answerer is not None else None
        doc = admin.restore_report(self.settings, name, indexed)
        return doc, self.reindex(progress=progress, only=[doc])

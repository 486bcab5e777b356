"""The web app: staff chat, a citation viewer for inspectors, a scores view, and the admin side.

    python app.py            # serves http://127.0.0.1:7860 (ASSISTANT_HOST / ASSISTANT_PORT)

A thin shell over assistant.service.Engine. The viewer (/report) is a plain server-rendered page so that a
citation's permalink opens the same highlighted passage anywhere. API endpoints for scripts
(gradio_client): /ask, /admin_status, /admin_upload, /admin_remove, /admin_removed, /admin_restore,
/admin_rebuild; every admin endpoint checks the admin password itself, so the refusal holds whatever calls it.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# Uploads land in a folder of this app's own, not in Gradio's /tmp/gradio that other apps may share: it is swept
# (see _sweep_uploads). Set before Gradio is imported: some of its modules read it then.
os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(tempfile.gettempdir()) / "assistant-uploads"))

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402
from fastapi import FastAPI, Query
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from assistant import admin
from assistant.errors import AssistantError
from assistant.extract import page_of
from assistant.metadata import EDITABLE_FIELDS, KINDS
from assistant.parse import parse
from assistant.pdfpage import PageError, render_page
from assistant.render import (
    chat_markdown,
    evidence_csv,
    evidence_markdown,
    md_text,
    not_found_html,
    pdf_page_html,
    permalink,
    quote_hash,
    scores_table_html,
    viewer_html,
)
from assistant.scores import score_rows
from assistant.service import Engine
from assistant.settings import Settings

log = logging.getLogger("app")

EXAMPLES = [
    "What did Derbyshire score on safe pathways?",
    "Which authority scored higher?",
    "How do young people move to adult services?",
    "What are we doing about PPE for unpaid carers this winter?",
    "Compare how the two authorities handle hospital discharge",
]
ALL = ""  # the dropdown value meaning "no filter"
# After a reply: its first line (the warning of a decline, or the first quote) at the top of the chat, not its
# last (the chat does not scroll itself: autoscroll is off)
TO_REPLY_START = """() => { setTimeout(() => {
  const rows = document.querySelectorAll('#chat .message-row.bot-row');
  if (rows.length) rows[rows.length - 1].scrollIntoView({block: 'start'});
}, 60); }"""
LISTS_EVERY = 3.0  # seconds between a page's checks that its lists show the live index

CSS = """
#chat .message {font-size: 15px}
table.scores {border-collapse: collapse; margin: .5em 0}
table.scores th, table.scores td {border: 1px solid #ccc; padding: .4em .7em; text-align: left}
td.score-4 {background: #d8f3dc} td.score-3 {background: #edf6e5} td.score-2 {background: #fff3cd}
td.score-1 {background: #f8d7da}
.change {font-size: 12px; color: #555; margin-left: .4em}
.score-chart {max-width: 720px; margin-top: 1em}
.bar-row {display: flex; align-items: center; margin: .3em 0}
.bar-label {width: 45%; font-size: 13px; padding-right: .6em}
.track {display: inline-block; width: 55%; background: #f1f1f1; border-radius: 3px}
.bar {display: block; height: 1.4em; line-height: 1.4em; text-align: right; padding-right: .4em;
      font-weight: 600; border-radius: 3px; box-sizing: border-box}
.bar.score-4 {background: #52b788} .bar.score-3 {background: #95d5b2} .bar.score-2 {background: #ffd166}
.bar.score-1 {background: #ef476f}
.bar-scale {position: relative; height: 1.3em; margin-left: 45%; width: 55%; font-size: 11px; color: #666}
.bar-scale .tick {position: absolute; top: 0; transform: translateX(-50%)}
.bar-scale .tick:first-child {transform: none} .bar-scale .tick:last-child {transform: translateX(-100%)}
.bar-legend {margin: .2em 0 0 45%; font-size: 11px; color: #666}
@media (max-width: 640px) {
  .bar-row {flex-wrap: wrap} .bar-label {width: 100%; padding: 0 0 .15em}
  .track, .bar-scale {width: 100%} .bar-scale, .bar-legend {margin-left: 0}
}
"""


# ---------------------------------------------------------------------------------------------- chat

UPLOAD_HOURS = 1.0  # an uploaded file not added within this long is deleted (and every one at start)


def _sweep_uploads(older_than_hours: float = UPLOAD_HOURS) -> int:
    """Delete uploads older than `older_than_hours` (0: all of them) from this app's upload folder; returns how
    many files went. Uploads an admin added are deleted as soon as they are in the corpus."""
    root = Path(gr.utils.get_upload_folder())
    cutoff = time.time() - older_than_hours * 3600
    gone = 0
    for p in sorted(root.rglob("*"), reverse=True) if root.is_dir() else ():
        try:
            if p.is_file() and p.stat().st_mtime <= cutoff:
                p.unlink()
                gone += 1
            elif p.is_dir() and not any(p.iterdir()):
                p.rmdir()
        except OSError:
            pass
    return gone


class UploadBudget:
    """What one client address may upload (POST /gradio_api/upload, which Gradio serves without a password):
    `per_hour` bytes in any hour, by the request's Content-Length; past it, 429 saying when it may again."""

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic):
        self.per_hour = per_hour
        self._sent: dict[str, list[tuple[float, int]]] = {}
        self._clock = clock

    def take(self, client: str, size: int) -> float:
        """0 if `client` may upload `size` bytes now (and counts them), else the seconds until it may."""
        now = self._clock()
        if len(self._sent) > 10_000:  # forget addresses with nothing sent in the hour
            self._sent = {c: s for c, s in self._sent.items() if s and now - s[-1][0] < 3600}
        sent = [(t, n) for t, n in self._sent.get(client, []) if now - t < 3600]
        if sum(n for _, n in sent) + size > self.per_hour:
            self._sent[client] = sent
            return 3600 - (now - sent[0][0]) if sent else 3600.0
        self._sent[client] = [*sent, (now, size)]
        return 0.0


# Evidence exports: a folder each, under a name nobody can guess, served by /evidence/ until the conversation
# that made it starts again or exports anew (and in any case for a day)
EXPORTS = Path(tempfile.gettempdir()) / "assistant-evidence"
EXPORT_HOURS = 24
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
_EXPORT_FILE = re.compile(r"^evidence-\d{8}T\d{6}\.(?:md|csv)$")


def _sweep_exports() -> None:
    """Delete exports older than EXPORT_HOURS (sessions closed without starting again)."""
    cutoff = time.time() - EXPORT_HOURS * 3600
    for p in EXPORTS.iterdir() if EXPORTS.is_dir() else ():
        if _TOKEN.match(p.name) and p.stat().st_mtime < cutoff:
            shutil.rmtree(p, ignore_errors=True)


def _messages(turns: list[dict]) -> list[dict]:
    out = []
    for t in turns:
        out.append({"role": "user", "content": md_text(t["question"])})
        out.append({"role": "assistant", "content": t["reply"]})
    return out


def make_handlers(engine: Engine, uploads: Path | None = None) -> dict[str, Any]:
    """The UI's functions, plain and testable: each takes and returns plain values. `uploads`: the folder
    uploads arrive in (Gradio's upload folder); admin actions read files from there and nowhere else."""
    upload_root = (uploads or Path(gr.utils.get_upload_folder())).resolve()

    def respond(message: str, turns: list[dict] | None, authority: str, report: str):
        turns = list(turns or [])
        previous = turns[-1]["resolved"] if turns else None
        try:
            resolved = engine.answerer.follow_up(message, previous)
            answer = engine.ask(resolved, authority or None, report or None)
            reply = chat_markdown(answer, answer.version)
            if resolved != message:
                reply = f"_Read as: {md_text(resolved)}_\n\n" + reply
            turns.append({"question": message, "resolved": resolved, "reply": reply,
                          "answer": answer.to_dict(), "version": answer.version})
        except AssistantError as exc:
            turns.append({"question": message, "resolved": previous or "", "reply": f"⚠ {md_text(str(exc))}",
                          "answer": None, "version": engine.version})
        return _messages(turns), "", turns

    def base_url(request: gr.Request | None) -> str:
        """Where people reach the app: ASSISTANT_PUBLIC_URL, else the address this request came in on."""
        if engine.settings.public_url:
            return engine.settings.public_url.rstrip("/")
        try:
            return str(request.base_url).rstrip("/") if request is not None else ""
        except AttributeError:
            return ""

    def export(turns: list[dict] | None, which: str = ALL, folder: str = "", request: gr.Request = None):
        """The evidence of the whole conversation (or of answer number `which`) as Markdown and CSV files in a
        folder of their own; the session's previous export is deleted."""
        from assistant.answer import Answer, Citation

        done = [(i, t) for i, t in enumerate(turns or [], 1) if t.get("answer")]
        if not done:
            raise gr.Error("Ask a question first: the evidence export holds the conversation's answers.")
        chosen = [(i, t) for i, t in done if which in (ALL, None) or str(i) == str(which)] or done
        exported = []
        for _, t in chosen:
            d = t["answer"]
            exported.append((t["question"], Answer(t["resolved"], d["answer"], d["abstained"],
                                                   tuple(Citation(**c) for c in d["citations"]), d["kind"],
                                                   tuple(d["notices"]), d["index_version"]), t["version"]))
        forget(folder)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        EXPORTS.mkdir(exist_ok=True)
        _sweep_exports()
        where = EXPORTS / secrets.token_urlsafe(18)  # unguessable: the link is the only way to the files
        where.mkdir()
        md, csv_path = where / f"evidence-{stamp}.md", where / f"evidence-{stamp}.csv"
        url = base_url(request)
        md.write_text(evidence_markdown(exported, url), encoding="utf-8")
        csv_path.write_text(evidence_csv(exported, url), encoding="utf-8")
        links = " · ".join(f'<a href="/evidence/{where.name}/{f.name}" download="{f.name}">{f.name}</a>'
                           for f in (md, csv_path))
        return gr.update(value=f"<p>Evidence files: {links}</p>", visible=True), str(where)

    def forget(folder: str) -> None:
        """Delete an earlier export's files, so its links stop working (only ever a folder made for one)."""
        if folder and Path(folder).parent == EXPORTS and _TOKEN.match(Path(folder).name):
            shutil.rmtree(folder, ignore_errors=True)

    def export_choices(turns: list[dict] | None):
        answered = [(f"Answer {i}: {t['question'][:60]}", str(i)) for i, t in enumerate(turns or [], 1)
                    if t.get("answer")]
        return gr.update(choices=[("The whole conversation", ALL)] + answered, value=ALL)

    def new_conversation(folder: str = ""):
        """Start again: the conversation, its export files and the export choice all go."""
        forget(folder)
        return [], [], "", gr.update(value="", visible=False), "", gr.update(choices=[("The whole conversation",
                                                                                       ALL)], value=ALL)

    def ask_api(question: str, authority: str = "", report: str = "") -> dict:
        try:
            answer = engine.ask(question, authority or None, report or None)
        except AssistantError as exc:
            return {"error": str(exc), "answer": "", "abstained": True, "citations": []}
        return {**answer.to_dict(), "permalinks": [permalink(c, version=answer.version) for c in answer.citations]}

    def scores_view() -> str:
        try:
            return scores_table_html(score_rows(engine.answerer), engine.version)
        except AssistantError as exc:
            return f"<p>{html.escape(str(exc))}</p>"

    # ------------------------------------------------------------------------------------- admin

    def _gate(password: str | None, request: gr.Request | None) -> None:
        """The admin password checked for the address the request came from (its failures are its own)."""
        client = getattr(request, "client", None) if request is not None else None
        engine.gate.check(password, getattr(client, "host", None) or "local")

    def status_text() -> str:
        st = engine.status()
        lines = [f"**Index** {md_text(st.generation or 'none')} · built {md_text(st.built_at or 'never')} · "
                 f"model {md_text(st.model)} · "
                 + ("**re-indexing now**" if st.building else
                    ("**stale**: " + md_text("; ".join(st.stale)) if st.stale else "up to date"))
                 + (" · merging segments in the background" if engine.merging else ""), ""]
        lines.append("| report | authority | kind | quality statement | score | chunks | unknown |")
        lines.append("|---|---|---|---|---|---|---|")
        for doc, r in st.reports.items():
            lines.append(f"| {md_text(doc)} | {md_text(r['authority'] or '?')} | {md_text(r['kind'] or '?')} | "
                         f"{md_text(r['quality_statement'] or '')} | {r['score'] or ''} | {r['chunks']} | "
                         f"{md_text(', '.join(r['unknown']))} |")
        for doc, reason in st.skipped.items():
            lines.append(f"\nSkipped {md_text(doc)}: {md_text(reason)}")
        kept = engine.removed()
        if kept:
            lines.append(f"\n{len(kept)} removed report(s) kept in `corpus/.removed/`, restorable below: "
                         + "; ".join(md_text(r.label()) for r in kept[:10]) + ("; …" if len(kept) > 10 else ""))
        return "\n".join(lines)

    def admin_status(password: str, request: gr.Request = None) -> str:
        try:
            _gate(password, request)
            return status_text()
        except AssistantError as exc:
            return f"⚠ {md_text(str(exc))}"

    def _read(files: list[str] | None) -> list[tuple[str, bytes, int]]:
        """The uploaded files: (name, bytes, size on disk). Only files that came in through an upload are read
        (a path elsewhere on the server is refused), and no more of one than the upload limit and a byte."""
        out = []
        for f in files or []:
            p = Path(f if isinstance(f, str) else (f or {}).get("path", ""))
            try:
                real = p.resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                raise admin.AdminError(f"{p.name or str(f)!r} is not an uploaded file (gone, or never uploaded); "
                                       "upload it again.") from exc
            if not real.is_file() or not real.is_relative_to(upload_root):
                raise admin.AdminError(f"{p.name!r} did not come in through an upload: only files uploaded with "
                                       "the request (the Admin page, or gradio_client's handle_file) are added.")
            with open(real, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                out.append((p.name, fh.read(engine.settings.max_upload_bytes + 1), size))
        return out

    def check_files(password: str, files: list[str] | None, request: gr.Request = None):
        try:
            _gate(password, request)
            checks = engine.check_uploads(_read(files))
        except AssistantError as exc:
            return f"⚠ {md_text(str(exc))}", pd.DataFrame(columns=["file", *EDITABLE_FIELDS])
        if not checks:
            return ("Choose one or more reports first: PDF, Word (.docx), HTML, Markdown or text files.",
                    pd.DataFrame(columns=["file", *EDITABLE_FIELDS]))
        lines = []
        rows = []
        for c in checks:
            if not c.ok:
                lines.append(f"- ✗ **{md_text(c.original)}**: refused — {md_text(c.reason)}")
                continue
            pages = f", {c.pages} pages" if c.pages else ""
            # the safe name is only letters, digits, dots, dashes and underscores: shown as code, unescaped
            lines.append(f"- ✓ **{md_text(c.original)}** → `{c.name}`: {c.format}{pages}, {c.layout} layout, "
                         f"{c.chunks} chunks; "
                         f"sections: {md_text('; '.join(c.sections[:8]) or 'none found')}"
                         + ("; in the corpus already but not indexed: adding indexes it" if c.unindexed else ""))
            rows.append({"file": c.name, **{k: c.metadata.get(k) for k in EDITABLE_FIELDS}})
        lines.append("\nCorrect the metadata in the table if needed (kind is one of: "
                     f"{', '.join(KINDS)}; score 1-4), then **Add and re-index**.")
        return "\n".join(lines), pd.DataFrame(rows, columns=["file", *EDITABLE_FIELDS])

    def _discard(files: list[str] | None) -> None:
        """Delete uploaded files once used (only ever files in the upload folder)."""
        for f in files or []:
            p = Path(f if isinstance(f, str) else (f or {}).get("path", ""))
            try:
                if p.resolve(strict=True).is_relative_to(upload_root):
                    p.unlink()
            except OSError:
                pass

    def _edits(table: Any) -> dict[str, dict]:
        if table is None:
            return {}
        df = table if isinstance(table, pd.DataFrame) else pd.DataFrame(**table) if isinstance(table, dict) \
            else pd.DataFrame(table)
        out = {}
        for rec in df.to_dict("records"):
            name = rec.pop("file", None)
            if name:
                out[str(name)] = rec
        return out

    def add_files(password: str, files: list[str] | None, table: Any, request: gr.Request = None,
                  progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - the Gradio idiom
        try:
            _gate(password, request)
            checks = engine.check_uploads(_read(files))
            refused = [f"{c.original}: {c.reason}" for c in checks if not c.ok]
            t0 = time.perf_counter()
            written, result = engine.add(checks, _edits(table), progress=True)
            _discard(files)  # in the corpus now: the uploaded copies go
            msg = (f"Added {', '.join(written)}; index {result.manifest.generation} is live "
                   f"({result.chunks} chunks, {result.embedded} texts embedded, {time.perf_counter() - t0:.1f}s).")
            if refused:
                msg += " Refused: " + "; ".join(refused)
            return md_text(msg), status_text()
        except AssistantError as exc:
            return f"⚠ {md_text(str(exc))}", gr.update()

    def removal_text(doc: str) -> str:
        """What removing a report takes out of answers, for the admin to confirm."""
        d = engine.describe(doc)
        title = d.get("title") or doc
        who = d.get("authority")
        lines = [f"**Remove “{md_text(title)}”** ({md_text(who) + '; ' if who else ''}file `{doc}`)?", ""]
        gone = [f"its {d['chunks']} passages will no longer be quoted in answers"]
        if d.get("quality_statement") and d.get("score"):
            gone.append(f"its score ({md_text(d['quality_statement'])}: {d['score']}) leaves the Scores view and "
                        "score answers")
        if d.get("overall_rating"):
            gone.append(f"its overall rating ({md_text(d['overall_rating'])}) is no longer given")
        others = [x for x, m in engine.reports().items() if x != doc and who and m.authority == who]
        if who and not others:
            gone.append(f"{md_text(who)} will no longer be covered (it is the only report about it)")
        lines.append("If you remove it, " + "; ".join(gone) + ". The file is kept in `corpus/.removed/` and can "
                     "be restored from the list below.")
        return "\n".join(lines)

    def confirm_remove(password: str, doc: str | None, request: gr.Request = None):
        """The first press of "Remove report": names the report and what it takes out, removes nothing.
        Returns the confirmation's text, its box, the report pending and the admin result line."""
        try:
            _gate(password, request)
            if not doc:
                raise admin.AdminError("Choose a report to remove first.")
            if doc not in engine.reports():
                raise admin.AdminError(f"{doc} is not in the index (removed meanwhile?); the list is refreshed.")
            return removal_text(doc), gr.update(visible=True), doc, ""
        except AssistantError as exc:
            return "", gr.update(visible=False), "", f"⚠ {md_text(str(exc))}"

    def remove(password: str, doc: str, request: gr.Request = None,
               progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - the Gradio idiom
        """The confirmed removal of `doc` (the report the confirmation named, whatever the list shows now)."""
        try:
            _gate(password, request)
            if not doc:
                raise admin.AdminError("Choose a report to remove.")
            dest, result = engine.remove(doc, progress=True)
            return md_text(f"Removed {doc} (kept as {dest.relative_to(engine.settings.corpus_dir)}; it can be "
                           f"restored below); index {result.manifest.generation} is live."), status_text()
        except AssistantError as exc:
            return f"⚠ {md_text(str(exc))}", gr.update()

    def restore(password: str, name: str | None, request: gr.Request = None,
                progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - the Gradio idiom
        try:
            _gate(password, request)
            if not name:
                raise admin.AdminError("Choose a removed report to restore.")
            doc, result = engine.restore(name, progress=True)
            return md_text(f"Restored {doc}; index {result.manifest.generation} is live."), status_text()
        except AssistantError as exc:
            return f"⚠ {md_text(str(exc))}", gr.update()

    def rebuild(password: str, request: gr.Request = None,
                progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - the Gradio idiom
        try:
            _gate(password, request)
            result = engine.reindex(rebuild=True, progress=True)
            return md_text(f"Rebuilt index {result.manifest.generation}: {result.chunks} chunks in "
                           f"{result.seconds:.1f}s."), status_text()
        except AssistantError as exc:
            return f"⚠ {md_text(str(exc))}", gr.update()

    def admin_upload_api(password: str, files: list[str] | None, metadata_json: str = "",
                         request: gr.Request = None) -> dict:
        try:
            _gate(password, request)
            edits = json.loads(metadata_json) if metadata_json else {}
            if not isinstance(edits, dict) or not all(isinstance(k, str) and isinstance(v, dict)
                                                      for k, v in edits.items()):
                raise admin.AdminError('metadata_json must be a JSON object of file name to fields, e.g. '
                                       '{"report.txt": {"authority": "Quillham County Council", "score": 3}}.')
            checks = engine.check_uploads(_read(files))
            refused = {c.original: c.reason for c in checks if not c.ok}
            if not any(c.ok for c in checks):
                return {"ok": False, "added": [], "refused": refused}
            written, result = engine.add(checks, edits)
            _discard(files)
            return {"ok": True, "added": written, "refused": refused, "index_version": result.manifest.generation}
        except (AssistantError, json.JSONDecodeError) as exc:
            return {"ok": False, "error": str(exc)}

    def _admin(password: str, request: gr.Request | None, action: Callable[[], dict]) -> dict:
        """An admin API call: the password checked, then {"ok": True, ...what it did} or {"ok": False, "error"}."""
        try:
            _gate(password, request)
            return {"ok": True, **action()}
        except AssistantError as exc:
            return {"ok": False, "error": str(exc)}

    def admin_remove_api(password: str, doc: str, request: gr.Request = None) -> dict:
        return _admin(password, request,
                      lambda: {"removed": doc, "index_version": engine.remove(doc)[1].manifest.generation})

    def admin_removed_api(password: str, request: gr.Request = None) -> dict:
        return _admin(password, request, lambda: {"removed": [
            {"name": r.name, "doc": r.doc, "removed_at": r.removed_at, **r.shown} for r in engine.removed()]})

    def admin_restore_api(password: str, name: str, request: gr.Request = None) -> dict:
        def restore_now() -> dict:
            doc, result = engine.restore(name)
            return {"restored": doc, "index_version": result.manifest.generation}

        return _admin(password, request, restore_now)

    def admin_rebuild_api(password: str, request: gr.Request = None) -> dict:
        def rebuild_now() -> dict:
            result = engine.reindex(rebuild=True)
            return {"index_version": result.manifest.generation, "chunks": result.chunks}

        return _admin(password, request, rebuild_now)

    def lists(authority: str = ALL, report: str = ALL):
        """Every list as the live index has it (the filters, the reports to remove, the removed ones to
        restore) and the index version they show; a filter whose choice is gone falls back to all."""
        reports = engine.reports()
        authorities = engine.authorities()
        docs = [("All reports", ALL)] + [(f"{m.title or d} ({d})", d) for d, m in reports.items()]
        removable = [(f"{m.title or d} · {m.authority or 'authority unknown'} ({d})", d) for d, m in reports.items()]
        restorable = [(r.label(), r.name) for r in engine.removed()]
        return (gr.update(choices=[("All authorities", ALL)] + [(a, a) for a in authorities],
                          value=authority if authority in authorities else ALL),
                gr.update(choices=docs, value=report if report in reports else ALL),
                gr.update(choices=removable, value=None), gr.update(choices=restorable, value=None),
                engine.version)

    def lists_if_changed(seen: str, authority: str = ALL, report: str = ALL):
        """The lists again when another session's admin action changed the index since this page had them."""
        if seen == engine.version:
            return (gr.skip(),) * 5
        return lists(authority, report)

    return {k: v for k, v in locals().items() if callable(v) and not k.startswith("_")}


# ---------------------------------------------------------------------------------------------- layout

def build_ui(engine: Engine) -> gr.Blocks:
    h = make_handlers(engine)
    with gr.Blocks(title="Council reports assistant") as demo:
        gr.Markdown("# Council reports assistant\nAnswers from CQC assessments and council plans, in their own "
                    "words. Every quote links to the report at that passage.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"):
                with gr.Row():
                    authority = gr.Dropdown([("All authorities", ALL)] + [(a, a) for a in engine.authorities()],
                                            value=ALL, label="Authority", elem_id="authority")
                    report = gr.Dropdown([("All reports", ALL)] + [(f"{m.title or d} ({d})", d)
                                                                    for d, m in engine.reports().items()],
                                         value=ALL, label="Report", elem_id="report")
                chat = gr.Chatbot(elem_id="chat", height=640, label="Conversation", sanitize_html=True,
                                  feedback_options=None, buttons=["copy"], autoscroll=False)
                turns = gr.State([])
                seen = gr.State("")  # the index version the lists on this page show
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask about scores, transitions, winter actions…",
                                          show_label=False, elem_id="question", scale=6, max_length=10_000)
                    ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
                gr.Markdown("**Try:**")
                with gr.Row():
                    example_buttons = [gr.Button(q, size="sm", elem_classes=["example"]) for q in EXAMPLES]
                with gr.Row():
                    export_which = gr.Dropdown([("The whole conversation", ALL)], value=ALL, show_label=False,
                                               elem_id="export-which", scale=2)
                    export = gr.Button("Export evidence (Markdown + CSV)", elem_id="export", size="sm", scale=1)
                    clear = gr.Button("New conversation", size="sm", elem_id="clear", scale=1)
                # links to the app's own route, not a gr.File: Gradio keeps a copy of a File's files it serves,
                # so they would stay downloadable after "New conversation"
                evidence = gr.HTML(elem_id="evidence", visible=False)
                export_folder = gr.State("")  # this session's latest export, deleted when replaced or cleared

                ask_args = dict(fn=h["respond"], inputs=[question, turns, authority, report],
                                outputs=[chat, question, turns], api_visibility="private")
                choices = dict(fn=h["export_choices"], inputs=turns, outputs=export_which, api_visibility="private")
                to_start = dict(fn=None, js=TO_REPLY_START, api_visibility="private")
                ask.click(**ask_args).then(**to_start).then(**choices)
                question.submit(**ask_args).then(**to_start).then(**choices)
                for b, q in zip(example_buttons, EXAMPLES, strict=True):
                    b.click(lambda q=q: q, None, question, api_visibility="private").then(**ask_args).then(
                        **to_start).then(**choices)
                export.click(h["export"], [turns, export_which, export_folder], [evidence, export_folder],
                             api_visibility="private")
                clear.click(h["new_conversation"], export_folder,
                            [chat, turns, question, evidence, export_folder, export_which], api_visibility="private")

            with gr.Tab("Scores", id="scores-tab") as scores_tab:
                gr.Markdown("Every authority and quality statement held. Click a score to open the cited line.")
                scores_html = gr.HTML(elem_id="scores")
                scores_tab.select(h["scores_view"], None, scores_html, api_visibility="private")

            with gr.Tab("Admin", id="admin-tab"):
                if not engine.gate.enabled:
                    gr.Markdown("**The admin area is disabled.** Set `ASSISTANT_ADMIN_PASSWORD` in the environment "
                                "and restart the app to enable it. Staff can use the chat without it.",
                                elem_id="admin-disabled")
                with gr.Column(visible=engine.gate.enabled):
                    password = gr.Textbox(label="Admin password", type="password", elem_id="admin-password")
                    status = gr.Markdown(elem_id="admin-status")
                    refresh = gr.Button("Show status", size="sm", elem_id="admin-refresh")
                    gr.Markdown("### Add reports\nUpload PDF, Word, HTML, Markdown or text reports; check what was "
                                "detected; correct "
                                "the metadata; add them (an incremental re-index; the chat keeps answering).")
                    files = gr.File(label="Reports (.pdf, .docx, .html, .md, .txt)", file_count="multiple",
                                    file_types=[".pdf", ".docx", ".html", ".htm", ".md", ".txt"], elem_id="upload")
                    check = gr.Button("Check files", elem_id="check")
                    preview = gr.Markdown(elem_id="preview")
                    table = gr.Dataframe(headers=["file", *EDITABLE_FIELDS], interactive=True, elem_id="metadata",
                                         label="Metadata (editable)")
                    add = gr.Button("Add and re-index", variant="primary", elem_id="add")
                    result = gr.Markdown(elem_id="admin-result")
                    gr.Markdown("### Remove a report or rebuild")
                    with gr.Row():
                        doc = gr.Dropdown([], value=None, label="Report to remove", elem_id="remove-doc", scale=3)
                        remove = gr.Button("Remove report…", variant="stop", elem_id="remove")
                        rebuild = gr.Button("Rebuild everything", elem_id="rebuild")
                    pending = gr.State("")  # the report the confirmation names: what "Yes, remove" removes
                    with gr.Column(visible=False, elem_id="confirm-remove") as confirm_box:
                        confirm_text = gr.Markdown(elem_id="confirm-text")
                        with gr.Row():
                            confirm = gr.Button("Yes, remove it", variant="stop", elem_id="confirm-yes")
                            cancel = gr.Button("Cancel", elem_id="confirm-cancel")
                    gr.Markdown("### Removed reports\nKept in `corpus/.removed/`; restoring one indexes it again.")
                    with gr.Row():
                        removed = gr.Dropdown([], value=None, label="Removed report", elem_id="restore-name", scale=3)
                        restore = gr.Button("Restore report", elem_id="restore")

                lists_out = [authority, report, doc, removed, seen]
                refresh.click(h["admin_status"], password, status, api_name="admin_status")
                check.click(h["check_files"], [password, files], [preview, table], api_visibility="private")
                admin_cfg = dict(concurrency_limit=1, concurrency_id="admin")
                after = dict(fn=h["lists"], inputs=[authority, report], outputs=lists_out, api_visibility="private")
                add.click(h["add_files"], [password, files, table], [result, status], api_visibility="private",
                          **admin_cfg).then(**after)
                remove.click(h["confirm_remove"], [password, doc], [confirm_text, confirm_box, pending, result],
                             api_visibility="private")
                cancel.click(lambda: (gr.update(visible=False), ""), None, [confirm_box, pending],
                             api_visibility="private")
                confirm.click(lambda: gr.update(visible=False), None, confirm_box, api_visibility="private").then(
                    h["remove"], [password, pending], [result, status], api_visibility="private",
                    **admin_cfg).then(**after)
                restore.click(h["restore"], [password, removed], [result, status], api_visibility="private",
                              **admin_cfg).then(**after)
                rebuild.click(h["rebuild"], password, [result, status], api_visibility="private",
                              **admin_cfg).then(**after)

        # every list as the live index has it when the page loads, and again within seconds of an admin action
        # in any session (the timer's call returns nothing while the index version is the one this page shows)
        # (outside the queue: a chat answer never waits behind them, nor they behind answers)
        demo.load(h["lists"], [authority, report], lists_out, api_visibility="private", queue=False)
        gr.Timer(LISTS_EVERY).tick(h["lists_if_changed"], [seen, authority, report], lists_out,
                                   api_visibility="private", show_progress="hidden", queue=False)

        # API endpoints for scripts (gradio_client); the admin ones check the password themselves
        gr.api(h["ask_api"], api_name="ask")
        gr.api(h["admin_upload_api"], api_name="admin_upload", concurrency_limit=1, concurrency_id="admin")
        gr.api(h["admin_remove_api"], api_name="admin_remove", concurrency_limit=1, concurrency_id="admin")
        gr.api(h["admin_rebuild_api"], api_name="admin_rebuild", concurrency_limit=1, concurrency_id="admin")
        gr.api(h["admin_removed_api"], api_name="admin_removed")
        gr.api(h["admin_restore_api"], api_name="admin_restore", concurrency_limit=1, concurrency_id="admin")
    demo.queue(default_concurrency_limit=engine.settings.chat_concurrency, max_size=512)
    return demo


def create_app(engine: Engine) -> FastAPI:
    """FastAPI serving the viewer (/report), a health check, and the Gradio app at /."""
    app = FastAPI(title="Council reports assistant")

    @app.get("/report", response_class=HTMLResponse)
    def report(doc: str = Query(""), start: str = Query(""), end: str = Query(""), v: str = Query(""),
               h: str = Query(""), t: str = Query("")):
        if not doc:
            return HTMLResponse(not_found_html("The link names no report (doc=...)."), status_code=400)
        try:
            a, b = int(start), int(end)
        except ValueError:
            a = b = -1
        if a < 0 or b < 0:
            return HTMLResponse(not_found_html(f"start={start!r} and end={end!r} must be character offsets: whole "
                                               "numbers, 0 or more."), status_code=400)
        try:
            p = engine.passage(doc, v or None, t or None)
        except AssistantError as exc:
            return HTMLResponse(not_found_html(str(exc)), status_code=503)
        except KeyError:
            return HTMLResponse(not_found_html(f"No report named {doc!r} is indexed, and the link names no kept "
                                               "version of it."), status_code=404)
        if b < a or b > len(p.text):
            return HTMLResponse(not_found_html(f"Characters {a}-{b} are outside {doc} ({len(p.text)} characters)."),
                                status_code=404)
        note, link = p.note, ""
        if h and quote_hash(p.text[a:b]) != h:
            # altered offsets or hash (or, for a link naming no kept version, a report changed since): nothing is
            # highlighted and no permalink is offered for a range nobody quoted
            why = ("its offsets or its hash were altered" if p.exact else
                   "the report changed since the link was made, or the link was altered")
            note = (f"This link does not match the report: the text at characters {a}-{b} is not the passage the "
                    f"link was made for ({why}). No passage is highlighted and no permalink is offered for it."
                    + (" " + note if note else ""))
            b = a
        else:
            link = permalink(doc=doc, start=a, end=b, quote=p.text[a:b], version=p.version,
                             report_hash=p.key)
        units = parse(p.text, engine.settings.fallback_chunk_chars).units  # its tables shown as tables
        printed = ""
        if p.pages and doc.lower().endswith(".pdf") and link:  # the page itself, rendered from the stored PDF
            printed = "/page?" + urlencode({"doc": doc, "p": page_of(p.pages, a), "start": a, "end": b,
                                            "v": p.version, "t": p.key})
        return HTMLResponse(viewer_html(doc=doc, text=p.text, start=a, end=b, md=p.md, version=p.version, note=note,
                                        link=link, pages=p.pages, current=p.current, units=units, printed=printed))

    def _page_args(doc: str, p: str, start: str, end: str) -> tuple[int, int, int] | str:
        try:
            page_no, a, b = int(p), int(start or 0), int(end or 0)
        except ValueError:
            return f"p={p!r}, start={start!r} and end={end!r} must be whole numbers."
        if page_no < 1 or a < 0 or b < a:
            return f"p={p!r} must be a page (1 or more) and start={start!r}, end={end!r} character offsets."
        return page_no, a, b

    def _page_of_pdf(doc: str, v: str, t: str, p: str, start: str, end: str, image: bool = True):
        """(the page rendered, the passage's text version) of a PDF report's page, or an error page; `image`
        False: the page count and the marking found, without drawing the PNG (the page's HTML)."""
        got = _page_args(doc, p, start, end)
        if isinstance(got, str):
            return HTMLResponse(not_found_html(got), status_code=400)
        page_no, a, b = got
        try:
            passage = engine.passage(doc, v or None, t or None)
        except AssistantError as exc:
            return HTMLResponse(not_found_html(str(exc)), status_code=503)
        except KeyError:
            return HTMLResponse(not_found_html(f"No report named {doc!r} is indexed."), status_code=404)
        pdf = engine.pdf(doc, passage.key)
        if pdf is None:
            return HTMLResponse(not_found_html(f"{doc} is not a PDF, or the PDF of this version is no longer stored; "
                                               "its text, with the passage marked, is at the permalink."),
                                status_code=404)
        quote = passage.text[a:b] if b <= len(passage.text) else ""
        try:
            return render_page(pdf, page_no, quote, image=image), passage
        except PageError as exc:
            return HTMLResponse(not_found_html(str(exc)), status_code=404)

    @app.get("/page", response_class=HTMLResponse)
    def page(doc: str = Query(""), p: str = Query("1"), start: str = Query(""), end: str = Query(""),
             v: str = Query(""), t: str = Query("")):
        """A PDF report's page as printed, the passage marked on it, with the pages either side a click away."""
        got = _page_of_pdf(doc, v, t, p, start, end, image=False)  # the image is drawn when the browser asks
        if isinstance(got, HTMLResponse):
            return got
        rendered, passage = got
        page_no = int(p)

        def at(n: int) -> str:
            return "/page?" + urlencode({"doc": doc, "p": n, "start": start, "end": end, "v": v, "t": passage.key})

        text_link = permalink(doc=doc, start=int(start or 0), end=int(end or 0),
                              quote=passage.text[int(start or 0):int(end or 0)], version=passage.version,
                              report_hash=passage.key)
        return HTMLResponse(pdf_page_html(doc=doc, md=passage.md, page=page_no, pages=rendered.pages,
                                          image=at(page_no).replace("/page?", "/page.png?", 1),
                                          previous=at(page_no - 1) if page_no > 1 else "",
                                          following=at(page_no + 1) if page_no < rendered.pages else "",
                                          text_link=text_link, marked=rendered.found > 0))

    @app.get("/page.png")
    def page_png(doc: str = Query(""), p: str = Query("1"), start: str = Query(""), end: str = Query(""),
                 v: str = Query(""), t: str = Query("")):
        got = _page_of_pdf(doc, v, t, p, start, end)
        if isinstance(got, HTMLResponse):
            return got
        return Response(got[0].png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/evidence/{token}/{name}")
    def evidence(token: str, name: str):
        path = EXPORTS / token / name
        if not _TOKEN.match(token) or not _EXPORT_FILE.match(name) or not path.is_file():
            return HTMLResponse(not_found_html("This evidence export is no longer kept: the conversation was started "
                                               "again or exported anew (exports are kept for a day at most). Export "
                                               "it again from the chat."), status_code=404)
        kind = "text/markdown" if name.endswith(".md") else "text/csv"
        return FileResponse(path, media_type=f"{kind}; charset=utf-8", filename=name)

    @app.get("/healthz")
    def healthz():
        if engine.problem:
            return JSONResponse({"status": "degraded", "index": engine.version, "problem": engine.problem,
                                 "building": engine.building, "merging": engine.merging}, status_code=503)
        return JSONResponse({"status": "ok", "index": engine.version, "building": engine.building,
                             "merging": engine.merging})

    budget = UploadBudget(engine.settings.upload_bytes_per_hour)

    swept = [time.monotonic()]

    @app.middleware("http")
    async def limit_uploads(request, call_next):
        if request.method == "POST" and request.url.path.rstrip("/").endswith("/gradio_api/upload"):
            if time.monotonic() - swept[0] > 600:  # now and then, uploads never added go
                swept[0] = time.monotonic()
                _sweep_uploads()
            size = request.headers.get("content-length")
            if size is None or not size.isdigit():
                return JSONResponse({"error": "An upload must say its size (Content-Length)."}, status_code=411)
            client = request.client.host if request.client else "unknown"
            wait = budget.take(client, int(size))
            if wait:
                return JSONResponse({"error": f"This address has uploaded its {budget.per_hour:,} bytes for the hour "
                                              f"(ASSISTANT_UPLOAD_BYTES_PER_HOUR); try again in {wait / 60:.0f} min."},
                                    status_code=429, headers={"Retry-After": str(int(wait) + 1)})
        return await call_next(request)

    demo = build_ui(engine)
    # (a file larger than a report may be is refused by Gradio as it arrives)
    return gr.mount_gradio_app(app, demo, path="/", css=CSS, footer_links=["api"],
                               max_file_size=engine.settings.max_upload_bytes, ssr_mode=False)


def main() -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "faiss.loader", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = Settings.from_env()
    t0 = time.perf_counter()
    swept = _sweep_uploads(0)  # uploads left by an earlier run (nothing is in the middle of using them yet)
    if swept:
        log.info("deleted %d uploads left from an earlier run", swept)
    engine = Engine(settings).load()
    engine.embedder.warm_up()
    app = create_app(engine)
    log.info("ready in %.1fs: http://%s:%d (index %s; admin %s)", time.perf_counter() - t0, settings.host,
             settings.port, engine.version, "enabled" if engine.gate.enabled else "disabled")
    if engine.problem:
        log.error("serving without an index: %s", engine.problem)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()

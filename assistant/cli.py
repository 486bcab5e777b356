"""Command line: `python -m assistant index|add|remove|restore|search|status|ask|eval`.

A thin shell over the library."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import admin, store
from .embed import SentenceTransformerEmbedder
from .errors import INDEX_HINT, AssistantError, IndexCorrupt, IndexMissing
from .metadata import Metadata, shown
from .retrieve import Filters, Hit, Retriever
from .settings import Settings


def _embedder(settings: Settings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.resolved_model_path(), settings.embed_batch_size)


def _short(text: str, width: int = 300) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    result = store.build(settings, _embedder(settings), rebuild=args.rebuild, progress=not args.quiet)
    m = result.manifest
    print(f"Indexed {len(m.reports)} reports into {result.chunks} chunks in {result.seconds:.1f}s "
          f"({result.embedded} texts embedded, {result.reused} reused, {result.kept} chunks kept as they were; "
          f"{len(m.segments)} segments) -> {settings.index_dir / m.generation}")
    for doc, reason in result.skipped.items():
        print(f"  skipped {doc}: {reason}")
    return 0


def _indexed(settings: Settings) -> store.Manifest | None:
    try:
        return store.read_manifest(settings.index_dir)
    except (IndexMissing, IndexCorrupt):
        return None


def _update(settings: Settings, changed: list[str], quiet: bool, manifest: store.Manifest | None) -> store.BuildResult:
    """Index `changed` files alone (the rest of the corpus is not looked at), or build the whole index if
    there is no usable one (`manifest`: the live one's, read before)."""
    only = changed if manifest is not None else None
    return store.build(settings, _embedder(settings), progress=not quiet, only=only, manifest=manifest)


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    """Add report files to the corpus with the checks of the web app's upload, and index them alone."""
    files = []
    for p in args.files:
        path = Path(p)
        if not path.is_file():
            print(f"  refused {p}: no such file")
            continue
        if path.stat().st_size > settings.max_upload_bytes:
            print(f"  refused {p}: too large ({path.stat().st_size:,} bytes; the limit is "
                  f"{settings.max_upload_bytes:,}, set by ASSISTANT_MAX_UPLOAD_BYTES)")
            continue
        files.append((path.name, path.read_bytes()))
    manifest = _indexed(settings)
    checks = admin.check_uploads(settings, files, manifest.reports if manifest is not None else None)
    for c in checks:
        if not c.ok:
            print(f"  refused {c.original}: {c.reason}")
    written = admin.add_reports(settings, checks)
    if not written:
        print("Nothing added.")
        return 1
    result = _update(settings, written, args.quiet, manifest)
    m = result.manifest
    for doc in written:
        md = Metadata.from_dict(m.reports[doc].metadata) if doc in m.reports else None
        what = ", ".join(x for x in ([md.authority or "", md.kind or "", md.quality_statement or ""] if md else [])
                         if x)
        print(f"  added {doc}" + (f" ({what})" if what else "")
              + (f"; not indexed: {result.skipped[doc]}" if doc in result.skipped else ""))
    print(f"Indexed {len(written)} new report(s) in {result.seconds:.1f}s ({result.embedded} texts embedded); "
          f"{len(m.reports)} reports, {result.chunks} chunks -> {settings.index_dir / m.generation}")
    return 0 if len(written) == len(args.files) else 1


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Move reports out of the corpus (into corpus/.removed/, kept) and take them out of the index."""
    manifest = _indexed(settings)
    moved = []
    for doc in args.reports:
        try:
            entry = manifest.reports.get(doc) if manifest is not None else None
            moved.append((doc, admin.remove_report(settings, doc, shown(entry.metadata) if entry else {})))
        except admin.AdminError as exc:
            print(f"  not removed: {exc}")
    if not moved:
        print("Nothing removed.")
        return 1
    result = _update(settings, [doc for doc, _ in moved], args.quiet, manifest)
    for doc, dest in moved:
        print(f"  removed {doc} (kept as {dest})")
    print(f"Index {result.manifest.generation}: {len(result.manifest.reports)} reports, {result.chunks} chunks")
    return 0 if len(moved) == len(args.reports) else 1


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Put removed reports back (from corpus/.removed/) and index them; with no name, list what can be."""
    removed = admin.removed_reports(settings)
    if not args.names:
        if not removed:
            print("No removed reports are kept in corpus/.removed/.")
            return 0
        print("Removed reports (restore one with `python -m assistant restore NAME`):")
        for r in removed:
            print(f"  {r.name}  {r.label()}")
        return 0
    manifest = _indexed(settings)
    restored = []
    for name in args.names:
        try:
            restored.append(admin.restore_report(settings, name, manifest.reports if manifest is not None else None))
        except admin.AdminError as exc:
            print(f"  not restored: {exc}")
    if not restored:
        print("Nothing restored.")
        return 1
    result = _update(settings, restored, args.quiet, manifest)
    for doc in restored:
        print(f"  restored {doc}" + (f"; not indexed: {result.skipped[doc]}" if doc in result.skipped else ""))
    print(f"Index {result.manifest.generation}: {len(result.manifest.reports)} reports, {result.chunks} chunks")
    return 0 if len(restored) == len(args.names) else 1


def hit_to_dict(hit: Hit, index: store.Index) -> dict:
    c = hit.chunk
    md = index.metadata(c.doc)
    return {
        "rank": hit.rank, "score": round(hit.score, 6),
        "dense_score": None if hit.dense_score is None else round(hit.dense_score, 6),
        "bm25_score": None if hit.bm25_score is None else round(hit.bm25_score, 6),
        "doc": c.doc, "title": md.title, "authority": md.authority, "kind": md.kind,
        "section": " > ".join(c.section), "line_start": c.line_start, "line_end": c.line_end,
        "start": c.start, "end": c.end, "quote": index.texts[c.doc][c.start:c.end],
        "spans": [[s.start, s.end] for s in c.spans],
    }


def _warn_if_stale(settings: Settings, index: store.Index) -> None:
    try:
        reasons = store.stale_reasons(index.manifest, store.prepare(settings, index.manifest),
                                      _embedder(settings).model_id, settings)
    except AssistantError:
        return
    if reasons:
        print(f"warning: the index is stale ({'; '.join(reasons)}). Run `python -m assistant index` to "
              "update it.", file=sys.stderr)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    index = store.load(settings)
    _warn_if_stale(settings, index)
    retriever = Retriever(index, _embedder(settings), settings)
    filters = Filters(authority=args.authority, doc=args.report, kind=args.kind)
    hits = retriever.search(args.query, top_k=args.top_k, filters=filters)
    if args.json:
        print(json.dumps([hit_to_dict(h, index) for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("No passages found.")
    for h in hits:
        d = hit_to_dict(h, index)
        lines = f"line {d['line_start']}" if d["line_start"] == d["line_end"] else \
            f"lines {d['line_start']}-{d['line_end']}"
        print(f"{h.rank}. [{d['score']:.4f}] {d['doc']} — {d['authority'] or 'authority unknown'}")
        print(f"   {d['section'] or '(no section)'} · {lines} · chars {d['start']}-{d['end']}")
        print(f"   {_short(d['quote'])}")
    return 0


def _meta_lines(md: Metadata) -> list[str]:
    out = []
    for name in ("title", "authority", "kind", "quality_statement", "score", "score_descriptor", "published",
                 "source_url"):
        value = getattr(md, name)
        if value is not None:
            out.append(f"    {name}: {value}")
    unknown = md.unknown()
    if unknown:
        out.append(f"    unknown: {', '.join(unknown)}")
    return out


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    embedder = _embedder(settings)
    problem = None
    try:
        manifest = store.read_manifest(settings.index_dir)
        store.load(settings)  # the files too, not only the manifest
    except IndexMissing:
        manifest = None
    except IndexCorrupt as exc:
        manifest, problem = None, str(exc)
    prep = store.prepare(settings, manifest)  # unchanged reports recognised from the manifest, not read
    if args.json:
        out = {
            "corpus": str(settings.corpus_dir), "index": str(settings.index_dir),
            "model": embedder.model_id,
            "reports": {doc: {**e.metadata, "chunks": e.chunks, "layout": e.layout,
                              "unknown": Metadata.from_dict(e.metadata).unknown()}
                        for doc, e in prep.entries.items()},
            "skipped": prep.skipped,
            "built_at": manifest.built_at if manifest else None,
            "generation": manifest.generation if manifest else None,
            "stale": store.stale_reasons(manifest, prep, embedder.model_id, settings) if manifest else None,
            "problem": problem,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print(f"Corpus: {settings.corpus_dir} ({len(prep.entries)} reports)")
    for doc, e in prep.entries.items():
        built = manifest.reports.get(doc) if manifest else None
        count = f"{built.chunks} chunks indexed" if built else "not indexed"
        print(f"  {doc}  [{e.layout}, {count}]")
        print("\n".join(_meta_lines(Metadata.from_dict(e.metadata))))
    for doc, reason in prep.skipped.items():
        print(f"  {doc}  SKIPPED: {reason}")
    print(f"Model: {embedder.model_id} ({settings.resolved_model_path()})")
    if problem:
        print(f"Index: DAMAGED. {problem}")
        return 1
    if manifest is None:
        print(f"Index: none in {settings.index_dir}. {INDEX_HINT}")
        return 0
    total = sum(e.chunks for e in manifest.reports.values())
    print(f"Index: {manifest.generation}, built {manifest.built_at}, {len(manifest.reports)} reports, "
          f"{total} chunks in {len(manifest.segments)} segments ({manifest.dense_kind} search on the largest), "
          f"model {manifest.model_id}, {manifest.dim} dims")
    reasons = store.stale_reasons(manifest, prep, embedder.model_id, settings)
    if reasons:
        print("Stale: " + "; ".join(reasons) + ". Run `python -m assistant index` to update it.")
    else:
        print("Up to date.")
    return 0


def _answerer(settings: Settings):
    from .answer import Answerer

    index = store.load(settings)
    _warn_if_stale(settings, index)
    return Answerer(index, _embedder(settings), settings)


def _print_answer(answer) -> None:
    print(answer.text)
    if not answer.citations:
        return
    print()
    print("Closest passages (not an answer):" if answer.abstained else "Sources:")
    for c in answer.citations:
        lines = f"line {c.line_start}" if c.line_start == c.line_end else f"lines {c.line_start}-{c.line_end}"
        tag = "" if c.role == "answer" or answer.abstained else " (further passage)"
        print(f"[{c.n}] {c.doc} — {c.title or c.authority or ''} — {c.section or '(no section)'} · {lines} · "
              f"chars {c.start}-{c.end}{tag}")
        if c.role != "answer":
            print(f"    {_short(c.quote, 200)}")
    for n in answer.notices:
        print(f"note: {n}")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    answerer = _answerer(settings)
    filters = Filters(authority=args.authority, doc=args.report, kind=args.kind)
    if args.stdin:
        # read as bytes: a line that is not UTF-8 gets its own error, and the lines after it are still answered
        lines = (raw.decode("utf-8", "surrogateescape") for raw in sys.stdin.buffer) \
            if hasattr(sys.stdin, "buffer") else sys.stdin
        for line in lines:
            q = line.rstrip("\r\n")
            try:
                out = answerer.ask(q, filters).to_dict()
            except AssistantError as exc:
                out = {"answer": "", "abstained": True, "citations": [], "error": str(exc)}
            shown = q.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # its bad bytes as U+FFFD
            print(json.dumps({"question": shown, **out}, ensure_ascii=False), flush=True)
        return 0
    answer = answerer.ask(args.question, filters)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_answer(answer)
    return 0


_ROWS = [("hit@k", lambda m: m.hit), ("all@k", lambda m: m.all_k), ("MRR", lambda m: m.mrr),
         *[(f"hit@{b}c", lambda m, b=b: m.within[b]) for b in (300, 600, 1200)],
         ("keywords", lambda m: m.keywords), ("mean chars", lambda m: m.mean_answer_chars),
         ("declined", lambda m: m.declined), ("wrongly decl", lambda m: m.wrongly_declined),
         ("verbatim", lambda m: m.verbatim)]


def _print_runs(title: str, items: list[dict], runs: list, show_misses: bool) -> None:
    from .evaluate import tag_shares

    m0 = runs[0][1]
    print(f"{title}: {m0.answerable} answerable, {m0.unanswerable} unanswerable questions")
    print(f"{'':14}" + "".join(f"{i + 1:>10}" for i in range(len(runs))))
    for label, get in _ROWS:
        print(f"{label:14}" + "".join(f"{get(m):>10.0f}" if label == "mean chars" else f"{get(m):>10.3f}"
                                      for _, m in runs))
    for i, (name, _) in enumerate(runs, 1):
        print(f"  {i}: {name}")
    shares = [tag_shares(items, m) for _, m in runs]
    if shares[0]:
        print("failed / questions, by class:" + "".join(f"{i + 1:>10}" for i in range(len(runs))))
        for tag, (n, _) in shares[0].items():
            print(f"  {tag:28}" + "".join(f"{s[tag][1]:>5}/{n:<4}" for s in shares))
    if not show_misses:
        print("(held out: its misses are not shown)")
        return
    by_id = {it["id"]: it for it in items}
    failures = m0.failures
    if failures:
        print("failures (first run):")
    for qid, how in failures.items():
        print(f"  {qid} [{', '.join(how)}] {by_id[qid]['question']}")


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluate import QuestionSet, load_questions, passage_results, project_sets, run_sets, score

    if not args.files or args.reports:
        # over a temporary index of the bundled corpus plus report folders: the project's sets, or the files
        sets = project_sets() if not args.files else [
            QuestionSet(f.stem, f, tuple(args.reports or ())) for f in args.files]
        if args.only:
            sets = [qs for qs in sets if qs.name in args.only]
        runs = run_sets(sets, settings, _embedder(settings), k=args.k, baselines=args.baseline or not args.files)
        if args.json:
            print(json.dumps({r.qset.name: {name: m.to_dict() for name, m in r.runs} for r in runs}, indent=1))
            return 0
        for r in runs:
            corpus = "bundled corpus" + "".join(f" + {p.name}" for p in r.qset.reports)
            _print_runs(f"{r.qset.name} ({r.qset.path}; {corpus})", r.items, r.runs, not r.qset.held_out)
            print()
        return 0

    answerer = _answerer(settings)
    index = answerer.index
    for path in args.files:
        items = load_questions(path)
        runs: list[tuple[str, dict]] = []
        if args.passages:
            def search(q: str) -> list[dict]:
                return [hit_to_dict(h, index) for h in answerer.retriever.search(q, top_k=args.k)]

            runs.append(("retrieved passages as citations", passage_results(search, items)))
        else:
            runs.append(("answers", {it["id"]: {"id": it["id"], **answerer.ask(it["question"]).to_dict()}
                                     for it in items}))
        if args.baseline:
            from .baseline import DENSE, LEXICAL, TextbookBaseline

            for kind in (DENSE, LEXICAL):
                base = TextbookBaseline(index.texts, answerer.embedder, retriever=kind)
                runs.append((base.name, {it["id"]: {"id": it["id"], **base.ask(it["question"], args.k)}
                                         for it in items}))
        metrics = [(name, score(items, res, index.texts.get, k=args.k)) for name, res in runs]
        if args.json:
            print(json.dumps({name: m.to_dict() for name, m in metrics}, indent=1))
            continue
        _print_runs(str(path), items, metrics, True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant",
                                description="Search CQC assessments and council plans; every passage cited.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress and timings")
    sub = p.add_subparsers(dest="command", required=True)

    ix = sub.add_parser("index", help="build or update the index from corpus/")
    ix.add_argument("--rebuild", action="store_true", help="re-embed everything instead of reusing vectors")
    ix.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ix.set_defaults(func=cmd_index)

    ad = sub.add_parser("add", help="add report files to corpus/ (the upload's checks) and index them alone")
    ad.add_argument("files", nargs="+", help="report files: .txt, .md, .pdf, .docx, .html")
    ad.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ad.set_defaults(func=cmd_add)

    rm = sub.add_parser("remove", help="move reports out of corpus/ (into corpus/.removed/) and out of the index")
    rm.add_argument("reports", nargs="+", help="file names in corpus/")
    rm.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rm.set_defaults(func=cmd_remove)

    rs = sub.add_parser("restore", help="put removed reports back from corpus/.removed/ and index them; with no "
                                        "name, list them")
    rs.add_argument("names", nargs="*", help="names as listed (e.g. 20261125T031502-camden.txt)")
    rs.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rs.set_defaults(func=cmd_restore)

    se = sub.add_parser("search", help="ranked passages for a query")
    se.add_argument("query")
    se.add_argument("--top-k", type=int, default=5, help="number of passages (default 5)")
    se.add_argument("--authority", help="only reports of this authority (part of the name is enough)")
    se.add_argument("--report", help="only this report (file name in corpus/)")
    se.add_argument("--kind", help="only this kind of report: 'CQC assessment' or 'council plan'")
    se.add_argument("--json", action="store_true", help="print JSON")
    se.set_defaults(func=cmd_search)

    st = sub.add_parser("status", help="reports, metadata, chunk counts, model, and whether the index is stale")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(func=cmd_status)
    ak = sub.add_parser("ask", help="answer a question in verbatim, cited quotes")
    ak.add_argument("question", nargs="?", default="")
    ak.add_argument("--authority", help="only reports of this authority (part of the name is enough)")
    ak.add_argument("--report", help="only this report (file name in corpus/)")
    ak.add_argument("--kind", help="only this kind of report: 'CQC assessment' or 'council plan'")
    ak.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ak.add_argument("--stdin", action="store_true",
                    help="read one question a line, write one JSON object a line (the model loads once)")
    ak.set_defaults(func=cmd_ask)

    ev = sub.add_parser("eval", help="measure answers on question sets (../shared/eval schema); with no file, the "
                                     "project's: dev, and the tuning and test halves over eval/reports/")
    ev.add_argument("files", type=Path, nargs="*",
                    help=".jsonl question sets, e.g. ../shared/eval/dev.jsonl (default: the project's sets, in "
                         "temporary indexes, beside both textbook baselines)")
    ev.add_argument("--reports", type=Path, action="append",
                    help="a folder of reports to index beside the bundled corpus in a temporary index for the "
                         "files (repeatable); without it the files are asked of the live index")
    ev.add_argument("--only", action="append", help="of the project's sets, only this one (dev, tune, test)")
    ev.add_argument("-k", type=int, default=5, help="citations considered for hit@k (default 5)")
    ev.add_argument("--passages", action="store_true", help="score retrieval alone: passages as citations")
    ev.add_argument("--baseline", action="store_true",
                    help="also run the textbook pipelines (MiniLM and BM25) on the same questions, side by side")
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ev.set_defaults(func=cmd_eval)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        return args.func(args, settings)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

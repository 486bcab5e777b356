"""Showing answers and reports to people: chat messages, the citation viewer, evidence exports, the scores
table. All report text and all user text is escaped: a report or a question containing `<script>` shows
those characters and runs nothing.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import html
import io
import re
from urllib.parse import urlencode

from .answer import Answer, Citation
from .extract import page_of
from .metadata import Metadata
from .parse import ROW, Unit

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md_text(s: str) -> str:
    """Text made inert for Gradio's Markdown: HTML escaped, Markdown syntax backslash-escaped, and URLs
    broken up with character references so that they are not turned into links."""
    out = _MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))
    return re.sub(r"(?i)(://|www\.)", lambda m: m.group(0).replace(":", "&#58;").replace(".", "&#46;"), out)


def quote_hash(quote: str) -> str:
    return hashlib.sha256(quote.encode()).hexdigest()[:16]


def permalink(c: Citation | None = None, *, doc: str | None = None, start: int | None = None,
              end: int | None = None, quote: str | None = None, version: str, report_hash: str = "") -> str:
    """The viewer's URL for a passage: report, offsets, index version, the report version quoted (`t`: its
    kept text opens the passage as it was, whatever changed since), and a hash of the quote (`h`: a link whose
    offsets or quote were altered says so)."""
    if c is not None:
        doc, start, end, quote, report_hash = c.doc, c.start, c.end, c.quote, c.report_hash
    fields = {"doc": doc, "start": start, "end": end, "v": version}
    if report_hash:
        fields["t"] = report_hash
    q = urlencode({**fields, "h": quote_hash(quote or "")})
    return f"/report?{q}#passage"


def _source(c: Citation) -> str:
    """The report's title, with its authority when the title does not name it."""
    title = c.title or c.doc
    if c.authority and c.authority.lower() not in title.lower():
        return f"{title} ({c.authority})"
    return title


def _lines(c: Citation) -> str:
    lines = f"line {c.line_start}" if c.line_start == c.line_end else f"lines {c.line_start}–{c.line_end}"
    if c.page_start is None:
        return lines
    page = f"page {c.page_start}" if c.page_start == c.page_end else f"pages {c.page_start}–{c.page_end}"
    return f"{page}, {lines}"


def _first_words(text: str, n: int = 12) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def chat_markdown(answer: Answer, version: str) -> str:
    """An answer as a chat message: the quotes with numbered citations linking to the viewer, then the
    sources. A decline looks different: a plain statement, then the closest passages quoted in full."""
    links = {c.n: permalink(c, version=version) for c in answer.citations}

    def cite(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[\\[{n}\\]]({links[n]})" if n in links else m.group(0)

    out = []
    if answer.abstained:
        out.append(f"**⚠ Not answered by the reports.** {md_text(answer.text)}")
        if answer.citations:
            out.append("\n**Closest passages — not an answer:**")
            for c in answer.citations[:3]:  # the nearest three; the export and the API carry them all
                out.append(f"\n> {md_text(' '.join(c.quote.split()))}\n>\n> — [\\[{c.n}\\]]({links[c.n]}) "
                           f"{md_text(c.authority or c.doc)}, {md_text(c.section or '')}, {_lines(c)}")
        return "\n".join(out)
    body = "\n\n".join(re.sub(r"\\\[(\d+)\\\]", cite, md_text(line)) for line in answer.text.split("\n"))
    out.append(body)
    out.append("\n**Sources**")
    # citations of the same lines of the same report on one line ([1] quoted, [4] a further passage there)
    same: dict[tuple[str, int, int], list[Citation]] = {}
    for c in answer.citations:
        same.setdefault((c.doc, c.line_start, c.line_end), []).append(c)
    for cs in same.values():
        c = cs[0]
        numbers = " ".join(f"[\\[{x.n}\\]]({links[x.n]})" for x in cs)
        # a further passage is not quoted in the answer: its first words say what it is before it is opened
        extra = "" if any(x.role == "answer" for x in cs) else f" · further passage: “{md_text(_first_words(c.quote))}”"
        out.append(f"- {numbers} {md_text(_source(c))} · {md_text(c.section or '')} · {_lines(c)}{extra}")
    for n in answer.notices:
        out.append(f"\n_{md_text(n)}_")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------ viewer

VIEWER_CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#fafafa;color:#1d1d1f}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.8em 1.2em}
header h1{font-size:1.1em;margin:0 0 .3em}
header p{margin:.15em 0;font-size:.9em;color:#444}
.warn{color:#8a4b00;font-weight:600}
pre{white-space:pre-wrap;word-wrap:break-word;font:14px/1.5 ui-monospace,monospace;margin:0;padding:1em 1.2em}
.ln{display:inline-block;width:3.5em;color:#999;user-select:none;text-align:right;margin-right:1em}
mark{background:#ffe066;outline:2px solid #e0a800;scroll-margin-top:35vh}
pre+pre,table.rows+pre{padding-top:0}
table.rows{border-collapse:collapse;margin:.4em 1.2em;font:14px/1.45 system-ui,sans-serif;max-width:calc(100% - 2.4em)}
table.rows th,table.rows td{border:1px solid #ccc;padding:.35em .6em;vertical-align:top;text-align:left}
table.rows thead th,table.rows tr.head-again th{background:#eef1f5}
table.rows td.rl{color:#999;white-space:nowrap;font:12px ui-monospace,monospace;text-align:right}
table.rows tr.between td{background:#f4f4f4;font-weight:600}
table.rows tr.pg td{color:#555;font-weight:600;border-top:1px dashed #bbb;background:#fff}
.pg{display:block;color:#555;font-weight:600;border-top:1px dashed #bbb;margin-top:.4em}
"""


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _tables(text: str, units: tuple[Unit, ...], starts: list[int]) -> list[tuple[int, int, list[Unit]]]:
    """The tables the parser read, as (first line, last line, rows) with 0-based line numbers: runs of rows with
    no prose between them, from the header line just above the first row (if it is there) to the last row."""
    out: list[tuple[int, int, list[Unit]]] = []
    run: list[Unit] = []
    for u in [*units, None]:
        if u is not None and u.kind == ROW and (not run or u.columns == run[0].columns):
            run.append(u)
            continue
        if run:
            first = bisect.bisect_right(starts, min(sp.start for sp in run[0].spans)) - 1
            last = bisect.bisect_right(starts, max(sp.end for r in run for sp in r.spans) - 1) - 1
            above = text[starts[first - 1]:starts[first] - 1] if first > 0 else ""
            if run[0].columns and [c for c in (x.strip() for x in above.split("\t")) if c] == list(run[0].columns):
                first -= 1
            out.append((first, last, run))
        run = [u] if u is not None and u.kind == ROW else []
    return out


class _Marker:
    """Escapes pieces of a report with the quoted characters [start, end) marked; each mark carries its
    offsets (data-s, data-e), and the first is the one the page scrolls to (id="passage")."""

    def __init__(self, text: str, start: int, end: int):
        self.text, self.start, self.end, self.first = text, start, end, True

    def _open(self, a: int, b: int) -> str:
        first, self.first = self.first, False
        anchor = ' id="passage"' if first else ""
        return f'<mark{anchor} data-s="{a}" data-e="{b}">'

    def __call__(self, a: int, b: int) -> str:
        t, s, e = self.text, max(a, self.start), min(b, self.end)
        if self.start == self.end and a <= self.start < b and self.first:  # nothing to mark: where it was
            return html.escape(t[a:self.start]) + self._open(self.start, self.start) + "</mark>" + \
                html.escape(t[self.start:b])
        if s >= e:
            return html.escape(t[a:b])
        return html.escape(t[a:s]) + self._open(s, e) + html.escape(t[s:e]) + "</mark>" + html.escape(t[e:b])


def _table_html(text: str, first: int, last: int, rows: list[Unit], starts: list[int], mark: _Marker,
                page_at_line: dict[int, int]) -> str:
    """A table the parser knows as a table: its header, then each row's cells in columns with the row's
    lines, quoted characters marked; lines between rows (headings, a header repeated after a page break) kept."""
    e = html.escape
    columns = rows[0].columns or tuple(f"column {i + 1}" for i in range(max(len(r.cells) for r in rows)))
    n = len(columns)
    head = '<th class="rl"></th>' + "".join(f"<th>{e(c)}</th>" for c in columns)
    out = [f'<table class="rows"><thead><tr>{head}</tr></thead><tbody>']
    line_of = {}
    for r in rows:
        line_of[bisect.bisect_right(starts, min(sp.start for sp in r.spans)) - 1] = r
    covered = {i for r in rows for sp in r.spans
               for i in range(bisect.bisect_right(starts, sp.start) - 1, bisect.bisect_right(starts, sp.end - 1))}
    for i in range(first, last + 1):
        if i + 1 in page_at_line:
            out.append(f'<tr class="pg" id="page-{page_at_line[i + 1]}"><td colspan="{n + 1}">page '
                       f"{page_at_line[i + 1]}</td></tr>")
        r = line_of.get(i)
        if r is not None:
            lo = i + 1
            hi = bisect.bisect_right(starts, max(sp.end for sp in r.spans) - 1)
            cells = []
            for c in range(n):
                pieces = [sp for sp in r.spans if sp.cell == c]
                cells.append("".join((sp.glue if k else "") + mark(sp.start, sp.end) for k, sp in enumerate(pieces)))
            where = f"{lo}" if lo == hi else f"{lo}–{hi}"
            if r is not rows[0] and any("<mark" in c for c in cells):
                out.append(f'<tr class="head-again">{head}</tr>')  # the quoted row's header right above it
            out.append(f'<tr id="line-{lo}"><td class="rl">{where}</td>' + "".join(f"<td>{c}</td>" for c in cells)
                       + "</tr>")
            continue
        if i in covered:
            continue  # a line of a row shown above
        a, b = starts[i], (starts[i + 1] - 1 if i + 1 < len(starts) else len(text))
        line = text[a:b]
        if not line.strip() or (i != first and [x.strip() for x in line.split("\t") if x.strip()] == list(columns)):
            continue  # blank, or the header repeated after a page break
        if i == first and rows[0].columns:
            continue  # the header line, shown as the table's head
        # a line between rows (a heading, a note): its tab-separated pieces in their columns when it has as many,
        # else across the table
        pieces, pos = [], a
        for raw in line.split("\t"):
            lo, hi = pos + len(raw) - len(raw.lstrip()), pos + len(raw.rstrip())
            pieces.append((lo, hi) if hi > lo else None)
            pos += len(raw) + 1
        if len(pieces) == n:
            cells = "".join(f"<td>{mark(*pc) if pc else ''}</td>" for pc in pieces)
        else:
            cells = f'<td colspan="{n}">' + " ".join(mark(*pc) for pc in pieces if pc) + "</td>"
        out.append(f'<tr class="between"><td class="rl">{i + 1}</td>{cells}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


def viewer_html(*, doc: str, text: str, start: int, end: int, md: Metadata, version: str, note: str = "",
                link: str = "", pages: tuple[int, ...] = (), current: str = "", units: tuple[Unit, ...] = (),
                printed: str = "") -> str:
    """The report with the passage highlighted, line numbers, and the passage scrolled into view (the
    link carries #passage); tables the parser read (`units`: its units) shown as tables, cells in columns.
    Every character of the report is escaped."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    starts = _line_starts(text)
    mark = _Marker(text, start, end)
    page_at_line = {text.count("\n", 0, p) + 1: i for i, p in enumerate(pages, 1)}
    tables = {first: (first, last, rows) for first, last, rows in _tables(text, units, starts)}
    parts, prose, i = [], [], 0
    while i < len(starts):
        if i in tables:
            first, last, rows = tables[i]
            if prose:
                parts.append("<pre>" + "\n".join(prose) + "</pre>")
                prose = []
            parts.append(_table_html(text, first, last, rows, starts, mark, page_at_line))
            i = last + 1
            continue
        a, b = starts[i], (starts[i + 1] - 1 if i + 1 < len(starts) else len(text))
        page = (f'<span class="pg" id="page-{page_at_line[i + 1]}">page {page_at_line[i + 1]}</span>\n'
                if i + 1 in page_at_line else "")
        prose.append(f'{page}<span class="ln">{i + 1}</span>{mark(a, b)}')
        i += 1
    if prose:
        parts.append("<pre>" + "\n".join(prose) + "</pre>")
    line_start = text.count("\n", 0, start) + 1
    line_end = text.count("\n", 0, max(start, end - 1)) + 1
    where = f"lines {line_start}–{line_end}"
    if pages:
        p1, p2 = page_of(pages, start), page_of(pages, max(start, end - 1))
        where = (f"page {p1}" if p1 == p2 else f"pages {p1}–{p2}") + " · " + where
    title = md.title or doc
    e = html.escape
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)} — lines {line_start}-{line_end}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{VIEWER_CSS}</style></head><body>
<header><h1>{e(title)}</h1>
<p>{e(md.authority or 'Authority unknown')} · {e(doc)} · {where} · characters {start}–{end}
 · index {e(version)}</p>
{f'<p>Permalink: <a id="permalink" href="{e(link)}">{e(link)}</a></p>' if link else ''}
{f'<p class="warn" id="note">{e(note)}</p>' if note else ''}
{f'<p>Current version: <a id="current" href="{e(current)}">{e(doc)} as indexed now</a></p>' if current else ''}
{f'<p><a id="printed" href="{e(printed)}">See the page as printed, the passage marked</a></p>' if printed else ''}
</header>
<main>{"".join(parts)}</main>
</body></html>"""


def pdf_page_html(*, doc: str, md: Metadata, page: int, pages: int, image: str, previous: str, following: str,
                  text_link: str, marked: bool) -> str:
    """A PDF report's page as printed (`image`: its rendering, the passage marked), with links to the pages
    either side and back to the passage in the report's text."""
    e = html.escape
    title = md.title or doc
    nav = " · ".join(x for x in (f'<a id="previous" href="{e(previous)}">previous page</a>' if previous else "",
                                 f'<a id="next" href="{e(following)}">next page</a>' if following else "") if x)
    found = "" if marked else ('<p class="warn" id="note">The passage is not marked on this page: its words are '
                               "not in this page's text layer (it may be on the next page, or the page is a scan)."
                               "</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)} — page {page}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{VIEWER_CSS}
img.page{{display:block;max-width:min(100%,1000px);margin:1em auto;box-shadow:0 1px 6px #0003;background:#fff}}</style>
</head><body>
<header><h1>{e(title)}</h1>
<p>{e(md.authority or 'Authority unknown')} · {e(doc)} · page {page} of {pages} as printed · {nav}</p>
<p><a id="text" href="{e(text_link)}">The passage in the report's text (the quote's exact characters)</a></p>
{found}
</header>
<img class="page" id="page" src="{e(image)}" alt="Page {page} of {e(doc)}, the passage marked">
</body></html>"""


def not_found_html(message: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Not found</title>"
            f"<style>{VIEWER_CSS}</style></head><body><header><h1>Passage not found</h1>"
            f"<p>{html.escape(message)}</p></header></body></html>")


# ------------------------------------------------------------------------------------------ exports

# An exported turn: the question as asked, its answer, and the index version that answered it.
Turn = tuple[str, Answer, str]

# What would make Markdown render a tag, an entity or a link; the rest of the text stays as written
_MD_ACTIVE = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)|\](?=\()")


def _md_plain(s: str) -> str:
    """One line of report or user text for a Markdown file: inert (no tag, entity or link can form) and
    otherwise as written, so the file reads cleanly as text too."""
    return _MD_ACTIVE.sub(lambda m: "\\" + m.group(0), " ".join(s.split()))


def _fenced(text: str) -> list[str]:
    """Text verbatim in a fenced block: nothing in it renders, and the fence is longer than any run of
    backticks the text holds."""
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return [fence + "text", text, fence]


def evidence_markdown(turns: list[Turn], base_url: str = "") -> str:
    """The evidence of a conversation (or one answer of it): each question, its answer, and every quote with
    where it is and its permalink (absolute when `base_url` is given)."""
    lines = ["# Evidence", ""]
    if base_url:
        lines += [f"Exported from {_md_plain(base_url)}", ""]
    for i, (question, answer, version) in enumerate(turns, 1):
        answered = "no — the indexed reports do not answer it" if answer.abstained else "yes"
        lines += [f"## {i}. Question", "", *_fenced(question), "", f"**Answered:** {answered} · **Index version:** "
                  f"{_md_plain(version)}", "", "**Answer:**", "", *_fenced(answer.text), "", "**Quotes:**", ""]
        for c in answer.citations:
            pages = f"{c.page_start}–{c.page_end}" if c.page_start else "(not a paged report)"
            lines += [f"### [{c.n}] {_md_plain(c.title or c.doc)}", "",
                      f"- Report file: {_md_plain(c.doc)}", f"- Authority: {_md_plain(c.authority or 'unknown')}",
                      f"- Section: {_md_plain(c.section or '')}", f"- Lines: {c.line_start}–{c.line_end}",
                      f"- Pages: {pages}", f"- Characters: {c.start}–{c.end}", f"- Role: {c.role}",
                      f"- Permalink: <{base_url}{permalink(c, version=version)}>", "", *_fenced(c.quote), ""]
    return "\n".join(lines)


def _cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: one starting like a formula (=, +, -, @, tab, return) gets a
    leading apostrophe, the usual guard (OWASP's); everything else is written as it is."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def evidence_csv(turns: list[Turn], base_url: str = "") -> str:
    """The same evidence as rows: one per quote (one for an answer without any), numbered by turn."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["turn", "question", "answer", "abstained", "n", "role", "doc", "title", "authority", "section",
                "line_start", "line_end", "page_start", "page_end", "start", "end", "quote", "index_version",
                "permalink"])
    for i, (question, answer, version) in enumerate(turns, 1):
        for c in answer.citations or [None]:
            if c is None:
                row = [i, question, answer.text, answer.abstained] + [""] * 13 + [version, ""]
            else:
                row = [i, question, answer.text, answer.abstained, c.n, c.role, c.doc, c.title or "",
                       c.authority or "", c.section, c.line_start, c.line_end, c.page_start or "", c.page_end or "",
                       c.start, c.end, c.quote, version, base_url + permalink(c, version=version)]
            w.writerow([_cell(v) for v in row])
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ scores

def scores_table_html(rows: list[dict], version: str) -> str:
    """Authorities down, quality statements across; each cell the score and descriptor, linking to the
    cited score line."""
    if not rows:
        return "<p>No scored CQC assessments are indexed yet.</p>"
    statements = sorted({r["statement"] for r in rows})
    authorities = sorted({r["authority"] for r in rows})
    cell = {(r["authority"], r["statement"]): r for r in rows}
    e = html.escape
    out = ['<table class="scores"><thead><tr><th>Authority</th>']
    out += [f"<th>{e(s)}</th>" for s in statements]
    out.append("</tr></thead><tbody>")
    for a in authorities:
        out.append(f"<tr><th>{e(a)}</th>")
        for s in statements:
            r = cell.get((a, s))
            if not r:
                out.append('<td class="none">—</td>')
                continue
            label = f"<strong>{r['score']}</strong> {e(r['descriptor'] or '')}"
            if r.get("start") is not None:
                link = permalink(doc=r["doc"], start=r["start"], end=r["end"], quote=r["quote"], version=version,
                                 report_hash=r.get("report_hash", ""))
                label = f'<a href="{e(link)}" target="_blank" rel="noopener">{label}</a>'
            old = r.get("earlier")
            if old:
                was = f"was {old['score']}" + (f" ({e(old['published'])})" if old.get("published") else "")
                if old.get("start") is not None:
                    olink = permalink(doc=old["doc"], start=old["start"], end=old["end"], quote=old["quote"],
                                      version=version, report_hash=old.get("report_hash", ""))
                    was = f'<a class="earlier" href="{e(olink)}" target="_blank" rel="noopener">{was}</a>'
                arrow = "▲" if r["score"] > old["score"] else "▼" if r["score"] < old["score"] else "="
                label += f' <span class="change">{arrow} {was}</span>'
            out.append(f'<td class="score-{r["score"]}">{label}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    out.append(scores_chart_html(rows))
    return "".join(out)


def scores_chart_html(rows: list[dict]) -> str:
    """A small bar chart, one bar per authority and quality statement, on CQC's 1-4 scale. Plain HTML and
    CSS: no script, nothing to load."""
    e = html.escape
    out = ['<div class="score-chart" role="img" aria-label="Scores by authority, 1 to 4">']
    for r in sorted(rows, key=lambda r: (r["statement"], -(r["score"] or 0), r["authority"])):
        width = 25 * (r["score"] or 0)
        out.append(f'<div class="bar-row"><span class="bar-label">{e(r["authority"])} · {e(r["statement"])}</span>'
                   f'<span class="track"><span class="bar score-{r["score"]}" style="width:{width}%">'
                   f'{r["score"]}</span></span></div>')
    # the ticks sit where a bar of that score ends (a score of n is n/4 of the track), the words in a legend
    out.append('<div class="bar-scale">' + "".join(f'<span class="tick" style="left:{25 * n}%">{n}</span>'
                                                    for n in range(5)) + "</div>")
    out.append('<p class="bar-legend">1 significant shortfalls · 2 some shortfalls · 3 good · 4 exceptional</p>'
               "</div>")
    return "".join(out)

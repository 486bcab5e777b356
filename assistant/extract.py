"""Text out of the files reports arrive as: PDF, HTML, Word (.docx), Markdown and plain text.

The text produced here is what citations point into, so it is stored (corpus/.text/) and never
re-derived differently. Its shape follows the seed reports: one line per paragraph or heading, and one
line per table row with its cells separated by tabs, so that the structure parser sees every format alike
and table rows stay whole units. PDFs also give the offset where each page starts.

Files that cannot be read are refused with what is wrong: an encrypted PDF, a scanned PDF with no text
layer, a corrupt or oversized archive, a file whose content is not what its extension says.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (".txt", ".md", ".pdf", ".html", ".htm", ".docx")
# A .docx is a zip: refuse one that would expand past this, or compresses suspiciously well (a zip bomb).
MAX_UNZIPPED = 100_000_000
MAX_RATIO = 200


class ExtractError(Exception):
    """The file cannot be read as a report; the message says why and what to do."""


@dataclass(frozen=True)
class Extracted:
    text: str
    pages: tuple[int, ...] = ()  # offset where page i+1 starts; empty when the format has no pages
    format: str = "text"


def sniff(data: bytes) -> str:
    """What the bytes look like, whatever the file is called."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        return "a PDF"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (e.g. Word, Excel)"
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    if b"\x00" in data[:4096]:
        return "binary data"
    return "text"


def extract(name: str, data: bytes) -> Extracted:
    """Text of a report file, by its extension; raises ExtractError when it cannot be read."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    readers: dict[str, Callable[[bytes], Extracted]] = {".pdf": _pdf, ".html": _html, ".htm": _html,
                                                        ".docx": _docx}
    if suffix in TEXT_SUFFIXES:
        from .corpus import decode_text

        return Extracted(decode_text(data), (), "text")
    if suffix not in readers:
        raise ExtractError(f"unsupported file type {suffix or '(none)'!r}; reports are {', '.join(SUFFIXES)}")
    looks = sniff(data)
    expected = {".pdf": "a PDF", ".docx": "a zip archive (e.g. Word, Excel)", ".html": None, ".htm": None}[suffix]
    if expected and looks != expected:
        raise ExtractError(f"named {suffix} but it is {looks}; save it in the format its name says")
    if suffix in (".html", ".htm") and looks not in ("an HTML page", "text"):
        raise ExtractError(f"named {suffix} but it is {looks}")
    result = readers[suffix](data)
    if not result.text.strip():
        raise ExtractError("no text found in it")
    if "\r" in result.text:  # stored text must read back identically (universal newlines)
        raise ExtractError("internal: extracted text holds carriage returns")
    return result


# ------------------------------------------------------------------------------------------ PDF

def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractError("the PDF is encrypted (password-protected); upload an unprotected copy")
        n_pages = len(reader.pages)
    except ExtractError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ExtractError(f"not a readable PDF ({exc}); the file may be damaged") from exc
    import pdfplumber

    pages: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            for page in pdf.pages:
                pages.append(_pdf_page(page))
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types for damaged files
        raise ExtractError(f"the PDF could not be read ({type(exc).__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise ExtractError(f"the PDF has no text layer ({n_pages} pages of images: a scan?); run OCR on it "
                           "or upload the report's text")
    text, starts = "", []
    for p in pages:
        starts.append(len(text))
        text += p.rstrip("\n") + "\n"
    return Extracted(text, tuple(starts), "pdf")


def _pdf_page(page) -> str:
    """One page: paragraphs reflowed into single lines, tables as tab-separated rows, in reading order."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    blocks: list[tuple[float, str]] = []
    lines = page.filter(outside).extract_text_lines(strip=True) if boxes else page.extract_text_lines(strip=True)
    sizes = [round(c["size"], 1) for ln in lines for c in ln["chars"]]
    body = statistics.mode(sizes) if sizes else 0
    left = min((ln["x0"] for ln in lines), default=0)
    right = max((ln["x1"] for ln in lines), default=0)
    para: list[str] = []
    para_top = 0.0
    prev = None
    for ln in lines:
        size = max((c["size"] for c in ln["chars"]), default=body)
        heading = size > body + 0.5
        # A line joins the paragraph above when it has the same size, follows at line spacing, and the line
        # above ran to the right margin (it wrapped, rather than ended).
        joins = prev is not None and abs(size - prev["size"]) < 0.5 and ln["top"] - prev["bottom"] < 0.9 * size \
            and prev["heading"] == heading and prev["x1"] >= right - 0.15 * (right - left)
        if not joins and para:
            blocks.append((para_top, " ".join(para)))
            para = []
        if not para:
            para_top = ln["top"]
        para.append(ln["text"])
        prev = {"bottom": ln["bottom"], "size": size, "heading": heading, "x1": ln["x1"]}
    if para:
        blocks.append((para_top, " ".join(para)))
    for t in tables:
        rows = [[" ".join((cell or "").split()) for cell in row] for row in t.extract()]
        text = "\n".join("\t".join(r) for r in rows if any(r))
        if text:
            blocks.append((t.bbox[1], text))
    blocks.sort(key=lambda b: b[0])
    return "\n".join(b for _, b in blocks)


# ------------------------------------------------------------------------------------------ HTML

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "blockquote", "pre", "caption",
           "figcaption", "address", "summary", "td", "th"}
_DROP = {"script", "style", "noscript", "template", "nav", "header", "footer", "form", "svg", "iframe", "button",
         "select", "input", "aside", "head"}


def _html(data: bytes) -> Extracted:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(data, "html.parser")
    except Exception as exc:  # noqa: BLE001 - html.parser is lenient; anything raised means unreadable
        raise ExtractError(f"not a readable HTML page ({exc})") from exc
    for tag in soup.find_all(_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    out: list[str] = []

    def text_of(el) -> str:
        return " ".join(el.get_text(" ", strip=True).split())

    def walk(el) -> None:
        for child in el.children:
            name = getattr(child, "name", None)
            if name is None:
                s = " ".join(str(child).split())
                if s and child.__class__.__name__ == "NavigableString":
                    out.append(s)
                continue
            if name == "table":
                for tr in child.find_all("tr"):
                    cells = [text_of(c) for c in tr.find_all(["td", "th"], recursive=False)]
                    if any(cells):
                        out.append("\t".join(cells))
            elif name == "br":
                continue
            elif name in _BLOCKS and not child.find(list(_BLOCKS | {"table"})):
                s = text_of(child)
                if s:
                    out.append(s)
            else:
                walk(child)

    walk(root)
    return Extracted("\n".join(out) + "\n", (), "html")


# ------------------------------------------------------------------------------------------ Word

def _docx(data: bytes) -> Extracted:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
            if total > MAX_UNZIPPED or total / packed > MAX_RATIO:
                raise ExtractError(f"the .docx would expand to {total:,} bytes from {packed:,} (a zip bomb?); "
                                   "refused")
            if "word/document.xml" not in z.namelist():
                raise ExtractError("a zip archive but not a Word document (no word/document.xml)")
    except zipfile.BadZipFile as exc:
        raise ExtractError(f"not a readable Word .docx file ({exc}); the file may be damaged") from exc
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many types for damaged files
        raise ExtractError(f"the Word file could not be read ({type(exc).__name__}: {exc})") from exc
    out: list[str] = []
    for el in document.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            s = " ".join(Paragraph(el, document).text.split())
            if s:
                out.append(s)
        elif tag == "tbl":
            for row in Table(el, document).rows:
                cells, seen = [], set()
                for cell in row.cells:  # merged cells repeat: keep each once
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                if any(cells):
                    out.append("\t".join(cells))
    return Extracted("\n".join(out) + "\n", (), "docx")


def page_of(pages: tuple[int, ...], offset: int) -> int | None:
    """The 1-based page holding a character offset, or None when the report has no pages."""
    if not pages:
        return None
    import bisect

    return bisect.bisect_right(pages, offset)


def normalised_hash(text: str) -> str:
    """Identity of a report's words, whatever its file name, format or line breaks."""
    import hashlib

    return hashlib.sha256(" ".join(re.findall(r"\w+", text.lower())).encode()).hexdigest()

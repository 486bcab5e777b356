"""A PDF report's page as printed, with a quoted passage marked on it: what an inspector checks a citation of a
PDF upload against. pdfium (pypdfium2) renders the stored PDF; the passage is found in the page's own text
layer (whitespace aside, piece by piece for a table row whose cells the page prints apart) and marked with
translucent boxes over its characters.

    >>> png = render_page(pdf_bytes, 2, quote="Visiting pods were installed at 14 care homes")
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from .errors import AssistantError

SCALE = 1.6  # pixels per PDF point: 72 dpi x 1.6, legible on a laptop screen
_MIN_PIECE = 4  # a piece of the quote shorter than this is not searched alone (it would match anywhere)


class PageError(AssistantError):
    """The page cannot be shown: not a PDF we can read, or no such page."""


@dataclass(frozen=True)
class Rendered:
    png: bytes  # empty when not drawn
    pages: int  # the document's page count
    found: int  # characters of the quote marked on this page


def _squeezed(text: str) -> tuple[str, list[int]]:
    """The text without whitespace, lower-cased, and for each of its characters its index in `text`."""
    keep = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in keep).lower(), [i for i, _ in keep]


def _pieces(quote: str) -> list[str]:
    """The quote whole first, then its lines and cells (a table row's cells sit apart on the page)."""
    parts = [p for p in re.split(r"[\t\n]+", quote) if len(p.strip()) >= _MIN_PIECE]
    return [quote] if len(parts) <= 1 else [quote, *parts]


def _found(page_text: str, quote: str) -> list[int]:
    """Indices into the page's text of the quote's characters, as far as the page's text holds them."""
    hay, where = _squeezed(page_text)
    out: set[int] = set()
    for piece in _pieces(quote):
        needle, _ = _squeezed(piece)
        if not needle:
            continue
        at = hay.find(needle)
        if at >= 0:
            out.update(where[at:at + len(needle)])
            if piece is quote:
                break  # found whole: no need to look for its pieces
    return sorted(out)


def render_page(pdf: bytes, page_no: int, quote: str | None = None, scale: float = SCALE,
                image: bool = True) -> Rendered:
    """Page `page_no` (from 1) of the PDF as a PNG, with `quote` marked where the page prints it (`image`
    False: only the page count and how much of the quote the page holds, no PNG drawn)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise PageError(f"The stored file cannot be read as a PDF ({exc}).") from exc
    try:
        if not 1 <= page_no <= len(doc):
            raise PageError(f"There is no page {page_no}: the PDF has {len(doc)} pages.")
        page = doc[page_no - 1]
        boxes = []
        if quote:
            text = page.get_textpage()
            for i in _found(text.get_text_range(), quote):
                left, bottom, right, top = text.get_charbox(i, loose=True)
                if right > left and top > bottom:
                    boxes.append((left, bottom, right, top))
        if not image:
            return Rendered(b"", len(doc), len(boxes))
        picture = page.render(scale=scale).to_pil().convert("RGB")
        if boxes:
            height = page.get_height()
            overlay = Image.new("RGBA", picture.size, (0, 0, 0, 0))
            draw = ImageDraw.Draw(overlay)
            for left, bottom, right, top in _lines(boxes):
                draw.rectangle([left * scale - 2, (height - top) * scale - 2, right * scale + 2,
                                (height - bottom) * scale + 2], fill=(255, 214, 0, 110),
                               outline=(224, 168, 0, 255), width=2)
            picture = Image.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")
        buf = io.BytesIO()
        picture.save(buf, format="PNG", optimize=True)
        return Rendered(buf.getvalue(), len(doc), len(boxes))
    finally:
        doc.close()


def _lines(boxes: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Character boxes (in the page's reading order) merged into one box per run of characters on a printed
    line: a word's space joins, a table's column gap or a new line does not."""
    out: list[list[float]] = []
    for left, bottom, right, top in boxes:
        last = out[-1] if out else None
        height = top - bottom
        if last is not None and abs(last[1] - bottom) < height * 0.3 and -height < left - last[2] < height * 0.8:
            last[2], last[3] = max(last[2], right), max(last[3], top)
        else:
            out.append([left, bottom, right, top])
    return [(a, b, c, d) for a, b, c, d in out]

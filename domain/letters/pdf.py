"""HTML letters to PDF with WeasyPrint, in chunks merged with pypdf.

WeasyPrint lays a whole document out in memory before it writes a byte, so a large print is
rendered LETTERS_PER_CHUNK letters at a time (each chunk a document of whole letters, so no letter
is split) and the chunks' PDFs are concatenated: memory follows the chunk, not the print.

Letters never reach the network or the disk: the only URLs WeasyPrint may fetch are ``data:``
URIs (images embedded in a body or letterhead); anything else is left out of the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from pypdf import PdfReader, PdfWriter

#: Letters laid out per WeasyPrint document (bench/print.py: figures in docs/performance.md).
LETTERS_PER_CHUNK = 100


def _fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)


def render_pdf(document_html: str) -> bytes:
    """One HTML document as PDF bytes."""
    import weasyprint  # imported when used: it loads Pango, which the API needs only to print

    return weasyprint.HTML(string=document_html, url_fetcher=_fetcher()).write_pdf()


def merged(pdfs: Iterable[bytes]) -> tuple[bytes, int]:
    """The PDFs one after the other, as one PDF, and its page count."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    pages = len(writer.pages)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), pages


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)

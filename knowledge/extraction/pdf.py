"""PDF with pypdf: the text of each page, with "Page N" as its section for citations.

pypdf raises many kinds of errors on damaged files; any of them becomes one clear reason."""

import io
import logging
import re

from pypdf import PasswordType, PdfReader

from knowledge.errors import ExtractionError
from knowledge.extraction.sections import Extracted, Section
from knowledge.models import DocumentKind

DAMAGED = "This PDF could not be read; it may be damaged or incomplete. Open it and save or export it as a PDF again."
ENCRYPTED = (
    "This PDF is protected by a password. Remove the password (print or export it to a new PDF) and upload it again."
)
NO_TEXT = (
    "This PDF has no text that can be extracted; it may contain only scanned images. "
    "Upload a version with selectable text, or run it through OCR first."
)
# A line ending in a hyphenated word continues on the next line: "embed-\ndings" → "embeddings".
_HYPHENATED = re.compile(r"(\w)-\n(\w)")


def extract_pdf(data: bytes) -> Extracted:
    pages = _page_texts(data)
    sections = []
    for number, page_text in enumerate(pages, start=1):
        paragraphs = tuple(paragraph for paragraph in _paragraphs(page_text) if paragraph)
        if paragraphs:
            sections.append(Section(path=(f"Page {number}",), paragraphs=paragraphs))
    if not sections:
        raise ExtractionError(NO_TEXT, code="pdf_without_text")
    text = "\n\n".join(f"[Page {section.path[0][5:]}]\n\n" + "\n\n".join(section.paragraphs) for section in sections)
    return Extracted(kind=DocumentKind.PDF, text=text, sections=tuple(sections))


def _page_texts(data: bytes) -> list[str]:
    # pypdf logs every oddity of a damaged file as a warning; the reason we store says it all.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            # Many PDFs are "encrypted" with an empty user password and open without one.
            raise ExtractionError(ENCRYPTED, code="pdf_encrypted")
        return [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except Exception as error:  # pypdf signals damage with many exception types
        if "password" in str(error).lower() or "decrypt" in str(error).lower():
            raise ExtractionError(ENCRYPTED, code="pdf_encrypted") from error
        raise ExtractionError(DAMAGED, code="pdf_damaged") from error


def _paragraphs(page_text: str) -> list[str]:
    """Blank lines separate paragraphs; other line breaks are layout, joined with spaces."""
    page_text = _HYPHENATED.sub(r"\1\2", page_text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(block.split()) for block in re.split(r"\n[ \t]*\n", page_text)]

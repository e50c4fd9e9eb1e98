"""PDF with pypdf: the text of each page, with "Page N" as its section for citations.

pypdf runs in a child process under hard limits (pages, decompressed bytes, extracted
characters, memory, wall time; see ``pdf_pages.py``): a file built to keep a reader busy for
hours fails within seconds with a sentence naming the limit. pypdf raises many kinds of errors
on damaged files; any of them becomes one clear reason."""

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from knowledge import limits
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
# The program that reads the pages, run as a script in a child process.
_CHILD = Path(__file__).with_name("pdf_pages.py")
logger = logging.getLogger(__name__)


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
    """Each page's text, from a child process under the limits in settings (see pdf_pages.py)."""
    arguments = [
        settings.KNOWLEDGE_PDF_MAX_PAGES,
        settings.KNOWLEDGE_MAX_DECOMPRESSED_BYTES,
        settings.KNOWLEDGE_MAX_EXTRACTED_CHARACTERS,
        settings.KNOWLEDGE_EXTRACTION_MEMORY_BYTES,
    ]
    timeout = settings.KNOWLEDGE_EXTRACTION_TIMEOUT
    command = [sys.executable, "-I", str(_CHILD), *(str(value) for value in arguments)]
    try:
        # subprocess.run kills the child on any exception, a Celery soft time limit included.
        finished = subprocess.run(command, input=data, capture_output=True, timeout=timeout, check=False)  # noqa: S603 - our interpreter, our script
    except subprocess.TimeoutExpired as error:
        raise ExtractionError(limits.too_slow(timeout), code="pdf_too_slow") from error
    try:
        result = json.loads(finished.stdout)
    except ValueError:
        # No answer at all: killed (the kernel's out-of-memory killer) or crashed inside pypdf.
        logger.warning("PDF reader exited with %s: %s", finished.returncode, finished.stderr[-2000:])
        if finished.returncode < 0:
            memory = settings.KNOWLEDGE_EXTRACTION_MEMORY_BYTES
            raise ExtractionError(limits.too_big(memory), code="pdf_memory") from None
        raise ExtractionError(DAMAGED, code="pdf_damaged") from None
    if "pages" in result:
        return result["pages"]
    code = result["error"]
    if code == "encrypted":
        raise ExtractionError(ENCRYPTED, code="pdf_encrypted")
    if code == "pages":
        raise ExtractionError(limits.too_many_pages(result["page_count"], result["limit"]), code="pdf_too_many_pages")
    if code == "decompressed":
        message = limits.too_much_content(result.get("bytes"), result["limit"])
        raise ExtractionError(message, code="pdf_too_much_content")
    if code == "characters":
        raise ExtractionError(limits.too_much_text(result["limit"]), code="too_much_text")
    if code == "memory":
        raise ExtractionError(limits.too_big(result["limit"]), code="pdf_memory")
    raise ExtractionError(DAMAGED, code="pdf_damaged")


def _paragraphs(page_text: str) -> list[str]:
    """Blank lines separate paragraphs; other line breaks are layout, joined with spaces. NUL
    characters, which some PDF fonts map codes to and PostgreSQL cannot store, are dropped."""
    page_text = page_text.replace("\x00", "")
    page_text = _HYPHENATED.sub(r"\1\2", page_text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(block.split()) for block in re.split(r"\n[ \t]*\n", page_text)]

"""From an uploaded file's bytes to sections of paragraphs under their heading path.

The format is decided by the content, not the name alone: ``%PDF-`` makes a PDF whatever the
file is called, a file named ``.pdf`` without it is refused, and anything that does not
decode to text is refused with a reason. Every failure is an ``ExtractionError`` with a
sentence for people; nothing here raises anything else for bad input.

Supported: Markdown, plain text, HTML, PDF, and FAQs written as "Q:" / "A:" blocks (see
``knowledge/extraction/faq.py`` and docs/knowledge.md)."""

from pathlib import PurePath

from django.conf import settings

from knowledge import limits
from knowledge.errors import ExtractionError
from knowledge.extraction import faq, html, pdf, text
from knowledge.extraction.sections import Extracted, Section, render_sections
from knowledge.models import DocumentKind

__all__ = ["Extracted", "Section", "detect_kind", "extract", "guess_title", "render_sections"]


EMPTY_FILE = "The file is empty."
PDF_MAGIC = b"%PDF-"
# Other formats people upload by mistake, recognised by their first bytes.
_BINARY_MAGIC = {
    b"PK\x03\x04": "a Word, Excel or other zip-based file",
    b"\xd0\xcf\x11\xe0": "an old-style Microsoft Office file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def detect_kind(data: bytes, *, file_name: str = "") -> str:
    """The document kind of ``data`` (a ``DocumentKind`` value), or ExtractionError saying why
    it cannot be read. Cheap enough for a form to call before anything is stored."""
    if not data.strip():
        raise ExtractionError(EMPTY_FILE, code="empty_file")
    suffix = PurePath(file_name).suffix.lower()
    # The PDF header may follow some junk; readers look in the first kilobyte.
    if PDF_MAGIC in data[:1024]:
        return DocumentKind.PDF
    if suffix == ".pdf":
        raise ExtractionError(
            "This file is named .pdf but is not a PDF (it does not start with “%PDF-”). "
            "Export it as a PDF again, or upload it in its real format.",
            code="not_a_pdf",
        )
    for magic, description in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise ExtractionError(
                f"This looks like {description}, which the knowledge base cannot read. "
                "Upload Markdown, plain text, HTML or PDF instead.",
                code="unsupported_format",
            )
    decoded = text.decode_text(data)
    if suffix in HTML_SUFFIXES or html.looks_like_html(decoded):
        return DocumentKind.HTML
    if suffix in MARKDOWN_SUFFIXES or text.has_markdown_headings(decoded):
        return DocumentKind.MARKDOWN
    if faq.looks_like_faq(decoded):
        return DocumentKind.FAQ
    return DocumentKind.TEXT


def extract(data: bytes, *, file_name: str = "", kind: str = "") -> Extracted:
    """Read ``data`` as ``kind`` (detected from the content when empty). A pasted FAQ passes
    kind="faq"; uploads are always detected, so a renamed file cannot lie about itself."""
    detected = detect_kind(data, file_name=file_name)
    if kind == DocumentKind.FAQ and detected in (DocumentKind.TEXT, DocumentKind.MARKDOWN):
        detected = DocumentKind.FAQ
    if detected == DocumentKind.PDF:
        extracted = pdf.extract_pdf(data)
    else:
        decoded = text.decode_text(data)
        readers = {
            DocumentKind.HTML: html.extract_html,
            DocumentKind.MARKDOWN: text.extract_markdown,
            DocumentKind.FAQ: faq.extract_faq,
            DocumentKind.TEXT: text.extract_plain_text,
        }
        extracted = readers[detected](decoded)
    if not any(section.paragraphs for section in extracted.sections):
        raise ExtractionError("The file has headings but no text under them.", code="no_text")
    if len(extracted.text) > settings.KNOWLEDGE_MAX_EXTRACTED_CHARACTERS:
        # Every character is chunked and embedded: the limit bounds the rest of the job.
        raise ExtractionError(limits.too_much_text(settings.KNOWLEDGE_MAX_EXTRACTED_CHARACTERS), code="too_much_text")
    return extracted


def guess_title(data: bytes, *, kind: str) -> str:
    """The document's own title when it states one cheaply (Markdown's first "# " heading,
    HTML's <title> or first <h1>), else ""."""
    import html as html_entities
    import re

    head = data[:65536].decode("utf-8", errors="replace")
    if kind == DocumentKind.MARKDOWN:
        match = re.search(r"^ {0,3}#[ \t]+(.+?)[ \t#]*$", head, re.MULTILINE)
    elif kind == DocumentKind.HTML:
        match = re.search(r"<title[^>]*>(.*?)</title>", head, re.IGNORECASE | re.DOTALL) or re.search(
            r"<h1[^>]*>(.*?)</h1>", head, re.IGNORECASE | re.DOTALL
        )
    else:
        return ""
    if match is None:
        return ""
    title = html_entities.unescape(re.sub(r"<[^>]+>", "", match.group(1)))
    return " ".join(title.split())[:200]

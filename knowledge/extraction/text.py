"""Plain text and Markdown: decoding bytes people call "text", and headings to sections."""

import codecs
import re
import unicodedata

from knowledge.errors import ExtractionError
from knowledge.extraction.sections import Extracted, SectionBuilder, render_sections
from knowledge.models import DocumentKind

NOT_TEXT = (
    "This file does not look like text, Markdown, HTML or PDF: it contains binary data. "
    "Upload the document in one of those formats."
)
# Share of control characters (other than tab, newlines, form feed) that marks binary data
# decoded as if it were text. Real documents have none or almost none.
MAX_CONTROL_CHARACTER_SHARE = 0.01
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f", "\v"}

ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, else the
    Windows Western encoding that most legacy text files use; binary data is refused."""
    if data.startswith(codecs.BOM_UTF8):
        text = _decode(data[len(codecs.BOM_UTF8) :], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(data, "utf-16")
    elif b"\x00" in data:
        raise ExtractionError(NOT_TEXT, code="binary_file")
    else:
        text = _decode(data, "utf-8") if _is_utf8(data) else _legacy_decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for char in text if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS)
    if "\x00" in text or controls > MAX_CONTROL_CHARACTER_SHARE * len(text):
        raise ExtractionError(NOT_TEXT, code="binary_file")
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ExtractionError(NOT_TEXT, code="binary_file") from error


def _legacy_decode(data: bytes) -> str:
    # cp1252 leaves five bytes undefined; latin-1 decodes anything, and the control-character
    # check in decode_text then tells text from binary.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def has_markdown_headings(text: str) -> bool:
    """At least one "# Title" line: how a .txt written in Markdown gives itself away."""
    return any(_atx_heading(line) for line in text.split("\n"))


def _atx_heading(line: str) -> tuple[int, str] | None:
    """(level, title) of a "## Title" line; "#hashtag" and a bare "#" are not headings."""
    match = ATX_HEADING.match(line)
    if match is None or not match.group(2):
        return None
    return len(match.group(1)), match.group(2)


def extract_markdown(text: str) -> Extracted:
    """Headings (ATX "## Title" and setext underlines) make the section path; blank lines
    separate paragraphs; fenced code blocks stay whole and never count as headings."""
    text = FRONT_MATTER.sub("", text, count=1)
    builder = SectionBuilder()
    lines: list[str] = []
    fence = ""

    def flush() -> None:
        builder.paragraph("\n".join(lines))
        lines.clear()

    for line in text.split("\n"):
        if fence:
            lines.append(line)
            if line.strip().startswith(fence):
                fence = ""
                flush()
            continue
        fence_match = FENCE.match(line)
        atx = _atx_heading(line)
        setext = SETEXT_UNDERLINE.match(line)
        if fence_match:
            flush()
            fence = fence_match.group(1)[0] * 3
            lines.append(line)
        elif atx:
            flush()
            builder.heading(*atx)
        elif setext and len(lines) == 1 and not lines[0].lstrip().startswith(("-", "*", "+", ">")):
            # "Title\n=====" or "Title\n-----"; a lone "---" after a blank line is a rule.
            title = lines.pop()
            builder.heading(1 if setext.group(1)[0] == "=" else 2, title)
        elif not line.strip() or SETEXT_UNDERLINE.match(line):
            flush()
        else:
            lines.append(line.rstrip())
    flush()
    sections = builder.finish()
    return Extracted(kind=DocumentKind.MARKDOWN, text=text.strip(), sections=sections)


def extract_plain_text(text: str) -> Extracted:
    builder = SectionBuilder()
    for paragraph in re.split(r"\n[ \t]*\n", text):
        builder.paragraph("\n".join(line.rstrip() for line in paragraph.split("\n")))
    sections = builder.finish()
    return Extracted(kind=DocumentKind.TEXT, text=render_sections(sections), sections=sections)

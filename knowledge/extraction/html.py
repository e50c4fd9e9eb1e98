"""HTML with the standard library's parser: headings and text blocks, without the page's
chrome (scripts, styles, navigation, forms, footers) that would pollute answers."""

import re
from html.parser import HTMLParser

from knowledge.extraction.sections import Extracted, SectionBuilder, render_sections
from knowledge.models import DocumentKind

# Whole subtrees that are never content.
SKIPPED = {"script", "style", "nav", "noscript", "template", "svg", "iframe", "form", "button", "select", "footer"}
SKIPPED |= {"aside", "head", "object", "canvas", "dialog"}
# Elements that end the paragraph before them and start a new one.
BLOCKS = {"p", "div", "section", "article", "main", "header", "ul", "ol", "li", "table", "tr", "blockquote", "pre"}
BLOCKS |= {"dl", "dt", "dd", "figure", "figcaption", "hr", "address", "details", "summary", "caption", "body"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Void elements never get an end tag; counting them as open would skip the rest of the page.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:4096]))


def extract_html(text: str) -> Extracted:
    parser = _ContentParser()
    parser.feed(text)
    parser.close()
    sections = parser.finish()
    return Extracted(kind=DocumentKind.HTML, text=render_sections(sections), sections=sections)


class _ContentParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = SectionBuilder()
        self.skipping: list[str] = []
        self.heading_level = 0
        self.heading_text: list[str] = []
        self.paragraph: list[str] = []
        self.preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden = any(name == "hidden" or (name == "aria-hidden" and value == "true") for name, value in attrs)
        if self.skipping or tag in SKIPPED or hidden:
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag in HEADINGS:
            self._flush()
            self.heading_level, self.heading_text = HEADINGS[tag], []
        elif tag == "br":
            self._text("\n")
        elif tag in ("td", "th"):
            self._text(" ")
        elif tag in BLOCKS:
            self._flush()
            if tag == "li":
                self.paragraph.append("- ")
            if tag == "pre":
                self.preformatted += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>, <svg .../>: a start without an end, never an open subtree.
        if tag in SKIPPED:
            return
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            # Close up to the matching start: browsers forgive unclosed inner tags, so do we.
            if tag in self.skipping:
                while self.skipping.pop() != tag:
                    pass
            return
        if tag in HEADINGS and self.heading_level:
            self.builder.heading(self.heading_level, "".join(self.heading_text))
            self.heading_level = 0
        elif tag in BLOCKS:
            if tag == "pre":
                self.preformatted = max(0, self.preformatted - 1)
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._text(data)

    def _text(self, data: str) -> None:
        if self.heading_level:
            self.heading_text.append(data)
        else:
            self.paragraph.append(data)

    def _flush(self) -> None:
        if self.heading_level:
            return
        text = "".join(self.paragraph)
        self.paragraph = []
        if not self.preformatted:
            # Markup's whitespace is layout, not content; <br> newlines are kept.
            text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
        self.builder.paragraph(text)

    def finish(self):
        self._flush()
        return self.builder.finish()

"""What every reader of a format produces: sections of paragraphs under a heading path."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """Paragraphs under one heading path, e.g. ("Billing", "Refunds"); () before any heading."""

    path: tuple[str, ...]
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Extracted:
    kind: str
    # The document's readable text (Markdown-like), kept on the document for reference.
    text: str
    sections: tuple[Section, ...]


def render_sections(sections: list[Section] | tuple[Section, ...]) -> str:
    """Sections back to Markdown-like text, for the document's stored extracted text."""
    parts: list[str] = []
    for section in sections:
        if section.path:
            parts.append("#" * min(len(section.path), 6) + " " + section.path[-1])
        parts.extend(section.paragraphs)
    return "\n\n".join(parts)


class SectionBuilder:
    """Collects paragraphs under the current heading path as a reader walks a document.

    A heading of level n replaces the path from level n down: "# Billing", "## Refunds",
    "## Invoices" gives ("Billing", "Refunds") then ("Billing", "Invoices")."""

    def __init__(self) -> None:
        self._levels: list[tuple[int, str]] = []
        self._paragraphs: list[str] = []
        self.sections: list[Section] = []

    def heading(self, level: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            return
        self._close()
        while self._levels and self._levels[-1][0] >= level:
            self._levels.pop()
        self._levels.append((level, title))

    def paragraph(self, text: str) -> None:
        text = text.strip()
        if text:
            self._paragraphs.append(text)

    def finish(self) -> tuple[Section, ...]:
        self._close()
        return tuple(self.sections)

    def _close(self) -> None:
        if self._paragraphs:
            path = tuple(title for _, title in self._levels)
            self.sections.append(Section(path=path, paragraphs=tuple(self._paragraphs)))
        self._paragraphs = []

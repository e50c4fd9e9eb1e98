"""Conversation exports: a Markdown transcript and a PDF. Both carry the conversation's facts,
every message, the AI's provenance (provider, model, confidence, tokens, cost, cited sources)
and, when it was handed to a person, why.

Message text is the customer's and the AI's, never trusted: in Markdown every ``<`` is
written ``&lt;`` so that no HTML in a message becomes markup, images are shown as text (never
loaded) and links go only to http(s) and mailto; the PDF writes text only.
The PDF's font (DejaVu Sans, conversations/fonts/) covers Latin, Greek, Cyrillic and common
symbols; any other character (emoji, Chinese, Japanese, Korean, …) is printed as U+FFFD and
the PDF says so. The Markdown export always keeps the exact text."""

import functools
import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from conversations import selectors
from conversations.models import Conversation, Message, Sender
from conversations.selectors import EscalationSummary

FONT_PATH = Path(__file__).parent / "fonts" / "DejaVuSans.ttf"
# fpdf2 subsets the font for every PDF through fontTools, which logs each step at INFO.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
REPLACEMENT = "\ufffd"
EXPORT_FORMATS = ("md", "pdf")
SENDER_LABELS = {Sender.CUSTOMER: "Customer", Sender.AI: "AI assistant", Sender.AGENT: "Agent", Sender.SYSTEM: "System"}


@dataclass(frozen=True)
class Transcript:
    conversation: Conversation
    messages: list[Message]
    escalation: EscalationSummary | None


def transcript_of(conversation: Conversation) -> Transcript:
    return Transcript(
        conversation=conversation,
        messages=list(selectors.messages_of(conversation=conversation)),
        escalation=selectors.escalation_of(conversation=conversation),
    )


def export_file_name(conversation: Conversation, extension: str) -> str:
    return get_valid_filename(f"conversation-{conversation.pk}.{extension}")


def export_download(conversation: Conversation, file_format: str) -> HttpResponse:
    """The export as a file to save (``md`` or ``pdf``), never shown in the browser."""
    if file_format == "pdf":
        content, content_type = conversation_pdf(conversation), "application/pdf"
    else:
        content, content_type = conversation_markdown(conversation).encode(), "text/markdown; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_file_name(conversation, file_format)}"'
    return response


# --- What both formats say --------------------------------------------------------------------


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else "—"


def _money(value: Decimal) -> str:
    return f"${value:.6f}".rstrip("0").rstrip(".") if value else "$0"


def _facts(transcript: Transcript) -> list[tuple[str, str]]:
    conversation = transcript.conversation
    contact = conversation.contact
    who = " ".join(part for part in (contact.name, f"<{contact.email}>" if contact.email else "") if part)
    if contact.external_id:
        who += f" (user id {contact.external_id}{', verified' if contact.verified else ''})"
    facts = [
        ("Contact", who or str(contact)),
        ("Status", conversation.get_status_display()),
        ("Channel", conversation.get_channel_display()),
        ("Priority", f"P{conversation.priority}"),
        ("Topic", conversation.topic or "—"),
        ("Tags", ", ".join(conversation.tags) or "—"),
        ("Started", _time(conversation.started_at)),
        ("Last message", _time(conversation.last_message_at)),
    ]
    if conversation.assignee:
        facts.append(("Assignee", conversation.assignee.display_name))
    if conversation.resolved_at:
        by = f" by {conversation.get_resolved_by_display()}" if conversation.resolved_by else ""
        facts.append(("Resolved", _time(conversation.resolved_at) + by))
    if conversation.csat_score:
        comment = f" — “{conversation.csat_comment}”" if conversation.csat_comment else ""
        facts.append(("Satisfaction", f"{conversation.csat_score}/5{comment}"))
    if transcript.escalation:
        escalation = transcript.escalation
        reason = escalation.reason or "no reason recorded"
        rule = f" (rule: {escalation.rule})" if escalation.rule else ""
        facts.append(("Escalated", f"{_time(escalation.at)}: {reason}{rule}"))
    return facts


def _heading(message: Message) -> str:
    sender = SENDER_LABELS.get(message.sender, message.sender)
    if message.internal:
        # For the team: exports are for agents and admins, and say which lines the customer never saw.
        sender = "Internal note"
    if message.sender == Sender.AGENT and message.author:
        sender += f" ({message.author.display_name})"
    return f"#{message.seq} · {sender} · {_time(message.created_at)}"


def _provenance(message: Message) -> str:
    """One line about how an AI reply was made; empty for other senders."""
    if message.sender != Sender.AI:
        return ""
    parts = [" ".join(part for part in (message.provider, message.model) if part) or "provider not recorded"]
    if message.confidence is not None:
        parts.append(f"confidence {message.confidence:.2f}")
    parts.append(f"{message.input_tokens} in / {message.output_tokens} out tokens")
    parts.append(_money(message.cost_usd))
    if message.total_ms is not None:
        parts.append(f"{message.total_ms / 1000:.1f} s")
    if message.partial:
        parts.append("partial: cut off mid-answer")
    return " · ".join(parts)


def _sources(message: Message) -> list[str]:
    sources = []
    for position, citation in enumerate(message.citations or [], start=1):
        if not isinstance(citation, dict):
            continue
        title = str(citation.get("document_title") or "Untitled document")
        section = str(citation.get("section") or "")
        sources.append(f"[{citation.get('index', position)}] {title}{f' › {section}' if section else ''}")
    return sources


def _attachments(message: Message) -> list[str]:
    return [
        f"{attachment.file_name} ({attachment.content_type}, {filesizeformat(attachment.size)})"
        for attachment in message.attachments.all()
    ]


# --- Markdown ---------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def _md_inline(text: str) -> str:
    """A value on one line, shown literally: Markdown's own characters escaped, no HTML."""
    text = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;")


def _md_quote(text: str) -> str:
    """A message as a block quote, its Markdown kept (AI answers use it), its HTML not, and
    no link that runs code or image that loads by itself (``_md_defused``)."""
    return "\n".join(f"> {line}".rstrip() for line in _md_defused(text).replace("<", "&lt;").splitlines() or [""])


# An export is opened in whatever Markdown viewer the agent has, long after the fact. A link
# there may only go to the web or to e-mail (javascript:, data:, vbscript:, file: and other
# schemes would run code or open local files when clicked), and no image may load by itself:
# a remote image tells its owner who opened the transcript and when. Hand-written, because the
# Markdown must stay Markdown (AI answers use it); CommonMark's link syntax is small enough:
# inline links and images, and reference definitions ("[label]: destination").
_SAFE_SCHEMES = ("http", "https", "mailto")
_INLINE_LINK = re.compile(
    r"\[((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"  # [label], one level of nested brackets
    r"\(\s*(<[^<>\n]*>|(?:[^()\s\\]|\\.|\([^()\s]*\))*)"  # (destination
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"  # "optional title")
)
_REFERENCE_DEFINITION = re.compile(r"^( {0,3})\[([^\]\n]+)\]:[ \t]*(\S+)", re.MULTILINE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def _destination_safe(destination: str) -> bool:
    # Viewers decode entities and ignore case, whitespace and controls before the scheme
    # ("&#106;ava&#x09;script:"); so do we, before deciding.
    plain = html.unescape(destination.strip("<>"))
    plain = "".join(character for character in plain if character.isprintable() and not character.isspace()).lower()
    scheme = _SCHEME.match(plain)
    return scheme is None or scheme.group(1) in _SAFE_SCHEMES


def _md_defused(text: str) -> str:
    """``text`` with every image shown as its source text (``!\\[``: never loaded) and every
    link or reference definition whose destination is not http(s), mailto or relative turned
    into its label alone."""
    text = text.replace("![", "!\\[")

    def inline(match: re.Match) -> str:
        return match.group(0) if _destination_safe(match.group(2)) else match.group(1)

    def definition(match: re.Match) -> str:
        if _destination_safe(match.group(3)):
            return match.group(0)
        return f"{match.group(1)}\\[{match.group(2)}\\]: (link removed)"

    return _REFERENCE_DEFINITION.sub(definition, _INLINE_LINK.sub(inline, text))


def conversation_markdown(conversation: Conversation) -> str:
    transcript = transcript_of(conversation)
    lines = [f"# Conversation {conversation.pk}", ""]
    lines += [f"- **{label}:** {_md_inline(value)}" for label, value in _facts(transcript)]
    lines += ["", "## Transcript", ""]
    if not transcript.messages:
        lines += ["No messages.", ""]
    for message in transcript.messages:
        lines += [f"### {_md_inline(_heading(message))}", "", _md_quote(message.text), ""]
        if provenance := _provenance(message):
            lines += [f"*{_md_inline(provenance)}*", ""]
        if sources := _sources(message):
            lines += ["Sources:", "", *[f"- {_md_inline(source)}" for source in sources], ""]
        if attachments := _attachments(message):
            lines += ["Attachments:", "", *[f"- {_md_inline(attachment)}" for attachment in attachments], ""]
    return "\n".join(lines).rstrip() + "\n"


# --- PDF --------------------------------------------------------------------------------------


@functools.cache
def _font_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(FONT_PATH).getBestCmap())


def _invisible(character: str) -> bool:
    # Joiners and variation selectors that only shape an emoji: dropped with the emoji.
    return unicodedata.category(character) == "Cf" or "\ufe00" <= character <= "\ufe0f"


def pdf_text(text: str) -> tuple[str, bool]:
    """``text`` as the PDF font can print it, and whether any character was replaced."""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    known = _font_characters()
    printable = []
    replaced = False
    for character in text:
        if character == "\n" or ord(character) in known:
            printable.append(character)
        elif not _invisible(character):
            printable.append(REPLACEMENT)
            replaced = True
    return "".join(printable), replaced


# Styles of the PDF's blocks: font size, line height, gray level (0 black … 255 white), space after.
_STYLES = {
    "title": (16, 8, 27, 2),
    "fact": (9, 4.6, 60, 0),
    "heading": (8.5, 4.5, 95, 0.5),
    "text": (10, 5, 27, 1),
    "note": (8, 4, 95, 0),
}


class _TranscriptPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.title_text = title
        self.add_font("DejaVu", fname=str(FONT_PATH))
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(18, 16, 18)
        self.set_title(title)
        self.set_creator("ChatAssist")

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.title_text} · page {self.page_no()} of {{nb}}", align="R")

    def block(self, text: str, style: str):
        size, height, gray, space = _STYLES[style]
        self.set_font("DejaVu", size=size)
        self.set_text_color(gray)
        self.multi_cell(0, height, pdf_text(text)[0], align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(space)


def _pdf_blocks(transcript: Transcript) -> list[tuple[str, str]]:
    """What the PDF says, in order, as (text, style); a "gap" is an empty line."""
    blocks = [(f"{label}: {value}", "fact") for label, value in _facts(transcript)]
    blocks.append(("", "gap"))
    if not transcript.messages:
        blocks.append(("No messages.", "text"))
    for message in transcript.messages:
        blocks += [(_heading(message), "heading"), (message.text or "—", "text")]
        if provenance := _provenance(message):
            blocks.append((provenance, "note"))
        blocks += [(f"Source {source}", "note") for source in _sources(message)]
        blocks += [(f"Attachment: {attachment}", "note") for attachment in _attachments(message)]
        blocks.append(("", "gap"))
    return blocks


def conversation_pdf(conversation: Conversation) -> bytes:
    transcript = transcript_of(conversation)
    title = f"Conversation {conversation.pk}"
    blocks = _pdf_blocks(transcript)
    pdf = _TranscriptPdf(title)
    pdf.add_page()
    pdf.block(title, "title")
    if any(pdf_text(text)[1] for text, _ in blocks):
        pdf.block(
            f"Characters this PDF's font cannot show (such as emoji, or Chinese, Japanese and Korean script) "
            f"are printed as {REPLACEMENT}. The Markdown export keeps the exact text.",
            "note",
        )
        pdf.ln(2)
    for text, style in blocks:
        if style == "gap":
            pdf.ln(4)
        else:
            pdf.block(text, style)
    return bytes(pdf.output())

"""Exports of a conversation, Markdown and PDF: facts, every message, the AI's provenance and
the escalation reason; hostile HTML stays text; any Unicode is written or clearly replaced;
the console serves them as downloads."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from conversations import export
from conversations.models import ConversationStatus, Event, EventType, Sender
from tests.conftest import logged_in
from tests.factories import make_attachment, make_contact, make_conversation, make_message

pytestmark = pytest.mark.django_db

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def escalated(workspace):
    """A conversation with a question, a cited AI answer, an attachment and an escalation."""
    contact = make_contact(workspace=workspace, name="Zoë Ñúñez", email="zoe@example.com")
    conversation = make_conversation(
        workspace=workspace, contact=contact, status=ConversationStatus.ESCALATED, tags=["refund"], topic="billing"
    )
    question = make_message(conversation=conversation, text="Can I get a refund for my annual plan?")
    make_attachment(message=question, file_name="receipt.pdf")
    make_message(
        conversation=conversation,
        sender=Sender.AI,
        text="Annual plans are refunded within 14 days.",
        provider="anthropic",
        model="claude-sonnet-4-6",
        confidence=0.42,
        input_tokens=812,
        output_tokens=64,
        cost_usd=Decimal("0.003396"),
        citations=[{"index": 1, "document_title": "Refunds policy", "section": "Annual plans", "document_id": 3}],
    )
    Event.objects.create(
        workspace=workspace,
        conversation=conversation,
        type=EventType.CONVERSATION_ESCALATED,
        payload={"reason": "Low confidence answer", "rule": "Confidence below 0.5"},
    )
    return conversation


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_markdown_has_facts_messages_provenance_and_escalation(escalated):
    markdown = export.conversation_markdown(escalated)
    assert markdown.startswith(f"# Conversation {escalated.pk}\n")
    for expected in (
        "- **Contact:** Zoë Ñúñez &lt;zoe@example.com>",
        "- **Status:** Escalated",
        "- **Tags:** refund",
        "- **Escalated:** ",
        "Low confidence answer (rule: Confidence below 0.5)",
        "· Customer ·",
        "> Can I get a refund for my annual plan?",
        "- receipt.pdf (application/pdf, 8 bytes)",
        "· AI assistant ·",
        "> Annual plans are refunded within 14 days.",
        "*anthropic claude-sonnet-4-6 · confidence 0.42 · 812 in / 64 out tokens · $0.003396*",
        "- \\[1\\] Refunds policy › Annual plans",
    ):
        assert expected in markdown, expected


def test_markdown_keeps_html_from_becoming_markup(workspace):
    conversation = make_conversation(workspace=workspace, contact=make_contact(workspace=workspace, name=HOSTILE))
    message = make_message(conversation=conversation, text=f"hello {HOSTILE}\n<script>alert(1)</script>")
    make_attachment(message=message, file_name=f"{HOSTILE}.png")
    markdown = export.conversation_markdown(conversation)
    assert "<img" not in markdown and "<script" not in markdown
    assert "> hello &lt;img src=x onerror=alert(1)>\n> &lt;script>alert(1)&lt;/script>" in markdown


def test_markdown_keeps_the_exact_unicode(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="Merci 🙏 — 退款 — Grüße")
    assert "> Merci 🙏 — 退款 — Grüße" in export.conversation_markdown(conversation)


def test_a_customers_text_cannot_fake_a_message_heading(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="### #9 · AI assistant · yes, full refund approved")
    markdown = export.conversation_markdown(conversation)
    assert "\n> ### #9 · AI assistant" in markdown
    assert "\n### #9" not in markdown


def test_pdf_has_facts_messages_provenance_and_escalation(escalated):
    content = export.conversation_pdf(escalated)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    for expected in (
        f"Conversation {escalated.pk}",
        "Contact: Zoë Ñúñez <zoe@example.com>",
        "Status: Escalated",
        "Low confidence answer (rule: Confidence below 0.5)",
        "Can I get a refund for my annual plan?",
        "Attachment: receipt.pdf",
        "Annual plans are refunded within 14 days.",
        "anthropic claude-sonnet-4-6 · confidence 0.42 · 812 in / 64 out tokens · $0.003396",
        "Source [1] Refunds policy › Annual plans",
        "page 1 of 1",
    ):
        assert expected in text, expected
    assert "cannot show" not in text


def test_pdf_writes_accents_greek_and_cyrillic_and_replaces_emoji_and_cjk_visibly(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="Grüße, Ελένη и Жанна! Refund 🙏🏽 please: 我要退款 ✓")
    text = pdf_text(export.conversation_pdf(conversation))
    assert "Grüße, Ελένη и Жанна! Refund \ufffd\ufffd please: \ufffd\ufffd\ufffd\ufffd ✓" in text
    assert "are printed as \ufffd. The Markdown export keeps the exact text." in text.replace("\n", " ")


def test_pdf_survives_long_words_control_characters_and_many_pages(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="https://example.com/" + "a" * 600 + "\tend\x07\r\nnext")
    for number in range(60):
        make_message(conversation=conversation, sender=Sender.AI, text=f"answer {number}\n" * 3)
    reader = PdfReader(io.BytesIO(export.conversation_pdf(conversation)))
    assert len(reader.pages) > 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "answer 59" in text
    assert f"page {len(reader.pages)} of {len(reader.pages)}" in text


def test_pdf_of_a_conversation_without_messages(workspace):
    assert "No messages." in pdf_text(export.conversation_pdf(make_conversation(workspace=workspace)))


@pytest.mark.parametrize(
    ("name", "content_type", "extension", "start"),
    [
        ("conversation_export_markdown", "text/markdown; charset=utf-8", "md", b"# Conversation "),
        ("conversation_export_pdf", "application/pdf", "pdf", b"%PDF-"),
    ],
)
def test_console_serves_exports_as_downloads(agent, escalated, name, content_type, extension, start):
    url = reverse(name, args=[escalated.workspace.slug, escalated.pk])
    response = logged_in(agent).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="conversation-{escalated.pk}.{extension}"'
    assert response.content.startswith(start)


def test_console_export_of_another_workspaces_conversation_is_404(agent, workspace, other_workspace):
    theirs = make_conversation(workspace=other_workspace)
    for name in ("conversation_export_markdown", "conversation_export_pdf"):
        assert logged_in(agent).get(reverse(name, args=[workspace.slug, theirs.pk])).status_code == 404

"""One conversation's page: its facts, a read-only transcript rendered as text (never as
HTML), each AI answer's provenance, attachments by name, type and size."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conversations.models import ConversationStatus, Event, EventType, ResolvedBy, Sender
from tests.conftest import logged_in
from tests.factories import (
    make_attachment,
    make_contact,
    make_conversation,
    make_member,
    make_message,
    make_user,
)

pytestmark = pytest.mark.django_db

HOSTILE = "<img src=x onerror=alert(1)>"


def _page(client, conversation, **params):
    url = reverse("conversation", args=[conversation.workspace.slug, conversation.pk])
    return client.get(url, params)


@pytest.fixture
def agent_client(agent):
    return logged_in(agent)


def test_shows_the_conversations_facts(agent_client, workspace):
    contact = make_contact(workspace=workspace, name="Ada Lovelace", email="ada@example.com", external_id="u-42")
    conversation = make_conversation(
        workspace=workspace,
        contact=contact,
        status=ConversationStatus.RESOLVED,
        priority=2,
        tags=["refund", "vip"],
        topic="billing",
        csat_score=4,
        csat_comment="Quick and right",
        resolved_by=ResolvedBy.AI,
        resolved_at=contact.created_at,
    )
    Event.objects.create(
        workspace=workspace,
        conversation=conversation,
        type=EventType.CONVERSATION_ESCALATED,
        payload={"reason": "Customer mentioned a lawyer", "rule": "Legal threat"},
    )
    page = _page(agent_client, conversation).content.decode()
    for expected in (
        "Ada Lovelace",
        "&lt;ada@example.com&gt;",
        "user id u-42",
        "Resolved</span>",
        "P2",
        '<span class="chip">refund</span><span class="chip">vip</span>',
        "billing",
        "4/5 — “Quick and right”",
        "by AI",
        "Customer mentioned a lawyer",
        "(rule: Legal threat)",
    ):
        assert expected in page, expected


def test_ai_answers_show_their_provenance(agent_client, workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="How do refunds work?")
    make_message(
        conversation=conversation,
        sender=Sender.AI,
        text="Annual plans are refunded within 14 days.",
        provider="anthropic",
        model="claude-sonnet-4-6",
        confidence=0.87,
        input_tokens=812,
        output_tokens=64,
        cost_usd=Decimal("0.003396"),
        total_ms=1450.0,
        citations=[{"index": 1, "document_title": "Refunds policy", "section": "Annual plans", "document_id": 7}],
    )
    make_message(conversation=conversation, sender=Sender.AI, text="Annual plans are", partial=True)
    page = _page(agent_client, conversation).content.decode()
    provenance = page.split('<dl class="provenance">')[1].split("</dl>")[0]
    for expected in ("anthropic", "claude-sonnet-4-6", "0.87", "812 in / 64 out", "$0.003396", "1450 ms"):
        assert expected in provenance, expected
    assert "Refunds policy" in provenance and "Annual plans" in provenance
    assert ">partial</span>" in page


def test_agent_messages_name_their_author(agent_client, workspace):
    author = make_user(name="Grace Hopper")
    make_member(workspace=workspace, user=author)
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, sender=Sender.AGENT, text="Let me check.", author=author)
    assert "Grace Hopper (agent)" in _page(agent_client, conversation).content.decode()


def test_text_keeps_its_line_breaks(agent_client, workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="first line\nsecond line")
    assert "first line<br>second line" in _page(agent_client, conversation).content.decode()


def test_html_in_customer_text_ai_text_and_file_names_is_inert(agent_client, workspace):
    contact = make_contact(workspace=workspace, name=HOSTILE)
    conversation = make_conversation(workspace=workspace, contact=contact, topic=HOSTILE, tags=[HOSTILE])
    customer = make_message(conversation=conversation, text=f"Look: {HOSTILE}")
    make_attachment(message=customer, file_name=f"{HOSTILE}.pdf")
    make_message(
        conversation=conversation,
        sender=Sender.AI,
        text=f"You wrote {HOSTILE}",
        citations=[{"index": 1, "document_title": HOSTILE, "section": HOSTILE}],
    )
    page = _page(agent_client, conversation).content.decode()
    assert "<img" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 8


def test_attachments_are_listed_with_name_type_and_size(agent_client, workspace):
    conversation = make_conversation(workspace=workspace)
    message = make_message(conversation=conversation, text="Here is the invoice")
    make_attachment(message=message, file_name="invoice-2026.pdf", content=b"%PDF" + b"x" * 2044)
    page = _page(agent_client, conversation).content.decode()
    attachments = page.split('<ul class="message__attachments"')[1].split("</ul>")[0]
    assert "invoice-2026.pdf" in attachments
    assert "application/pdf" in attachments
    assert "2.0\xa0KB" in attachments


def test_long_transcripts_are_paginated(agent_client, workspace):
    conversation = make_conversation(workspace=workspace)
    for number in range(1, 103):
        make_message(conversation=conversation, text=f"message number {number}")
    first = _page(agent_client, conversation).content.decode()
    assert "message number 100<" in first and "message number 101<" not in first
    assert "Page 1 of 2" in first
    assert "message number 102<" in _page(agent_client, conversation, page=2).content.decode()


def test_has_export_buttons(agent_client, workspace):
    conversation = make_conversation(workspace=workspace)
    page = _page(agent_client, conversation).content.decode()
    assert reverse("conversation_export_markdown", args=[workspace.slug, conversation.pk]) in page
    assert reverse("conversation_export_pdf", args=[workspace.slug, conversation.pk]) in page


def test_marks_the_conversations_section_current(agent_client, workspace):
    page = _page(agent_client, make_conversation(workspace=workspace)).content.decode()
    assert f'href="{reverse("conversations", args=[workspace.slug])}" aria-current="page"' in page


def test_another_workspaces_conversation_is_404_under_our_slug(agent_client, workspace, other_workspace):
    theirs = make_conversation(workspace=other_workspace)
    assert agent_client.get(reverse("conversation", args=[workspace.slug, theirs.pk])).status_code == 404


def test_outsider_gets_404_and_viewer_403(outsider, viewer, workspace):
    conversation = make_conversation(workspace=workspace)
    assert _page(logged_in(outsider), conversation).status_code == 404
    assert _page(logged_in(viewer), conversation).status_code == 403

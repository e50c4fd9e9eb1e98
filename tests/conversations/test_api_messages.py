"""GET /api/v1/conversations/<id>/messages/: the messages after ``after_seq``, oldest first,
paginated, with the AI's provenance and the attachments (never their bytes)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from conversations.models import Sender
from tests.conftest import bearer
from tests.factories import make_attachment, make_conversation, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_key(api_key_for_role):
    return api_key_for_role(Role.AGENT)


def _messages(client, key, conversation, **params):
    return client.get(reverse("api_conversation_messages", args=[conversation.pk]), params, **bearer(key))


def test_messages_with_provenance_and_attachments(client, workspace, agent_key):
    conversation = make_conversation(workspace=workspace)
    question = make_message(conversation=conversation, text="Refund?", client_id="c-1")
    attachment = make_attachment(message=question, file_name="receipt.pdf")
    make_message(
        conversation=conversation,
        sender=Sender.AI,
        text="Within 14 days.",
        provider="openai",
        model="gpt-4.1-mini",
        confidence=0.8,
        input_tokens=100,
        output_tokens=20,
        cost_usd=Decimal("0.000120"),
        citations=[{"index": 1, "document_title": "Refunds", "section": "Annual", "document_id": 4}],
        partial=True,
    )
    first, second = _messages(client, agent_key, conversation).json()["results"]
    assert (first["seq"], first["sender"], first["text"], first["client_id"]) == (1, "customer", "Refund?", "c-1")
    assert first["attachments"] == [
        {"id": attachment.pk, "file_name": "receipt.pdf", "content_type": "application/pdf", "size": 8}
    ]
    assert (second["seq"], second["provider"], second["model"], second["confidence"]) == (
        2,
        "openai",
        "gpt-4.1-mini",
        0.8,
    )
    assert (second["input_tokens"], second["output_tokens"], second["cost_usd"]) == (100, 20, "0.000120")
    assert second["partial"] is True
    assert second["citations"] == [{"index": 1, "document_title": "Refunds", "section": "Annual", "document_id": 4}]


def test_after_seq_and_pagination(client, workspace, agent_key):
    conversation = make_conversation(workspace=workspace)
    for number in range(1, 6):
        make_message(conversation=conversation, text=f"m{number}")
    after = _messages(client, agent_key, conversation, after_seq=2).json()
    assert [message["seq"] for message in after["results"]] == [3, 4, 5]
    page = _messages(client, agent_key, conversation, page_size=2).json()
    assert (page["count"], [message["seq"] for message in page["results"]]) == (5, [1, 2])
    assert page["next"]
    assert _messages(client, agent_key, conversation, after_seq=5).json()["results"] == []


@pytest.mark.parametrize(
    ("after_seq", "detail"),
    [
        ("-1", "after_seq: Ensure this value is greater than or equal to 0."),
        ("two", "after_seq: A valid integer is required."),
        ("1.5", "after_seq: A valid integer is required."),
        ("9" * 30, "after_seq: Ensure this value is less than or equal to 2147483647."),
    ],
)
def test_bad_after_seq_is_400(client, workspace, agent_key, after_seq, detail):
    response = _messages(client, agent_key, make_conversation(workspace=workspace), after_seq=after_seq)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == detail


def test_another_workspaces_messages_are_404(client, other_workspace, agent_key):
    theirs = make_conversation(workspace=other_workspace)
    make_message(conversation=theirs, text="secret")
    response = _messages(client, agent_key, theirs)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_viewer_key_is_403(client, workspace, api_key_for_role):
    response = _messages(client, api_key_for_role(Role.VIEWER), make_conversation(workspace=workspace))
    assert response.status_code == 403

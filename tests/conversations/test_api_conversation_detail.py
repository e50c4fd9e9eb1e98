"""GET and PATCH /api/v1/conversations/<id>/: one conversation with its escalation; priority,
tags and topic changed with a ``conversation_updated`` event; the status is read-only; each
bad field is a 400 that names it."""

import pytest
from django.urls import reverse

from accounts.models import Role
from conversations.models import Conversation, Event, EventType
from tests.conftest import bearer
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(workspace):
    return make_conversation(workspace=workspace, tags=["billing"], topic="invoices", priority=3)


@pytest.fixture
def agent_key(api_key_for_role):
    return api_key_for_role(Role.AGENT)


def _url(conversation) -> str:
    return reverse("api_conversation", args=[conversation.pk])


def _patch(client, key, conversation, body):
    return client.patch(_url(conversation), data=body, content_type="application/json", **bearer(key))


def _updates(conversation):
    return Event.objects.filter(conversation=conversation, type=EventType.CONVERSATION_UPDATED)


def test_get_includes_the_escalation(client, conversation, agent_key):
    assert client.get(_url(conversation), **bearer(agent_key)).json()["escalation"] is None
    Event.objects.create(
        workspace=conversation.workspace,
        conversation=conversation,
        type=EventType.CONVERSATION_ESCALATED,
        payload={"reason": "Asked for a person", "rule": "Human request"},
    )
    body = client.get(_url(conversation), **bearer(agent_key)).json()
    assert body["id"] == conversation.pk
    assert body["escalation"]["reason"] == "Asked for a person"
    assert body["escalation"]["rule"] == "Human request"


def test_patch_changes_priority_tags_and_topic_and_records_it(client, conversation, agent_key):
    response = _patch(client, agent_key, conversation, {"priority": 1, "tags": [" vip ", "refund", "vip"], "topic": ""})
    assert response.status_code == 200, response.content
    assert (response.json()["priority"], response.json()["tags"], response.json()["topic"]) == (
        1,
        ["vip", "refund"],
        "",
    )
    conversation.refresh_from_db()
    assert (conversation.priority, conversation.tags, conversation.topic) == (1, ["vip", "refund"], "")
    (event,) = _updates(conversation)
    assert event.payload["changes"] == {
        "priority": {"old": 3, "new": 1},
        "tags": {"old": ["billing"], "new": ["vip", "refund"]},
        "topic": {"old": "invoices", "new": ""},
    }
    assert event.payload["api_key_id"]


def test_patch_with_one_field_leaves_the_others(client, conversation, agent_key):
    assert _patch(client, agent_key, conversation, {"topic": "refunds"}).status_code == 200
    conversation.refresh_from_db()
    assert (conversation.priority, conversation.tags, conversation.topic) == (3, ["billing"], "refunds")


def test_patch_that_changes_nothing_records_nothing(client, conversation, agent_key):
    assert _patch(client, agent_key, conversation, {"priority": 3}).status_code == 200
    assert _patch(client, agent_key, conversation, {}).status_code == 200
    assert not _updates(conversation).exists()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"priority": 0}, "priority: Ensure this value is greater than or equal to 1."),
        ({"priority": 6}, "priority: Ensure this value is less than or equal to 5."),
        ({"priority": "urgent"}, "priority: A valid integer is required."),
        ({"tags": "vip"}, 'tags: Expected a list of items but got type "str".'),
        ({"tags": ["x" * 51]}, "tags: 0: Ensure this field has no more than 50 characters."),
        ({"tags": [""]}, "tags: 0: This field may not be blank."),
        ({"tags": [f"tag{n}" for n in range(21)]}, "tags: Ensure this field has no more than 20 elements."),
        ({"topic": "x" * 101}, "topic: Ensure this field has no more than 100 characters."),
        ({"topic": None}, "topic: This field may not be null."),
        ({"status": "resolved"}, "status: This field is read-only."),
        ({"assignee": "a@example.com", "priority": 1}, "assignee: This field is read-only."),
        ({"colour": "red"}, "colour: Unknown field: only priority, tags and topic can be changed."),
        ([1, 2], "Invalid data. Expected a dictionary, but got list."),
    ],
)
def test_bad_values_are_400_naming_the_field_and_change_nothing(client, conversation, agent_key, body, detail):
    response = _patch(client, agent_key, conversation, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == detail
    conversation.refresh_from_db()
    assert (conversation.priority, conversation.status, conversation.topic) == (3, "open", "invoices")
    assert not _updates(conversation).exists()


def test_another_workspaces_conversation_is_404(client, other_workspace, agent_key):
    theirs = make_conversation(workspace=other_workspace, priority=3)
    assert client.get(_url(theirs), **bearer(agent_key)).json() == {"code": "not_found", "detail": "Not found."}
    assert _patch(client, agent_key, theirs, {"priority": 1}).status_code == 404
    assert Conversation.objects.get(pk=theirs.pk).priority == 3


def test_viewer_key_can_neither_read_nor_change(client, conversation, api_key_for_role):
    viewer_key = api_key_for_role(Role.VIEWER)
    assert client.get(_url(conversation), **bearer(viewer_key)).status_code == 403
    assert _patch(client, viewer_key, conversation, {"priority": 1}).status_code == 403
    assert Conversation.objects.get(pk=conversation.pk).priority == 3

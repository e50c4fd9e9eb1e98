"""GET /api/v1/conversations/: the key's workspace's conversations, filtered, searched and
paginated; bad filter values are a 400 with a code and a sentence."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from conversations.models import Channel, ConversationStatus
from tests.conftest import bearer
from tests.factories import make_contact, make_conversation, make_message

pytestmark = pytest.mark.django_db

NOV_1 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def agent_key(api_key_for_role):
    return api_key_for_role(Role.AGENT)


def _list(client, key, **params):
    return client.get(reverse("api_conversations"), params, **bearer(key))


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {conversation["id"] for conversation in response.json()["results"]}


def test_lists_conversations_with_contact_and_counts(client, workspace, agent_key):
    contact = make_contact(workspace=workspace, name="Ada", email="ada@example.com", external_id="u-1")
    conversation = make_conversation(workspace=workspace, contact=contact, tags=["vip"], topic="billing", priority=2)
    make_message(conversation=conversation, text="Hello", created_at=NOV_1)
    body = _list(client, agent_key).json()
    assert body["count"] == 1
    (listed,) = body["results"]
    assert listed["id"] == conversation.pk
    assert listed["contact"] == {
        "id": contact.pk,
        "name": "Ada",
        "email": "ada@example.com",
        "external_id": "u-1",
        "verified": False,
    }
    assert (listed["status"], listed["priority"], listed["tags"], listed["topic"]) == ("open", 2, ["vip"], "billing")
    assert listed["channel"] == "widget"
    assert listed["message_count"] == 1
    assert listed["last_message_at"] == "2026-11-01T12:00:00Z"
    assert listed["assignee"] is None


def test_is_paginated_like_every_list(client, workspace, agent_key):
    for _ in range(3):
        make_conversation(workspace=workspace)
    page = _list(client, agent_key, page_size=2).json()
    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"] and page["previous"] is None
    assert len(_list(client, agent_key, page_size=2, page=2).json()["results"]) == 1
    assert _list(client, agent_key, page=99).status_code == 404


def test_filters(client, workspace, agent_key):
    escalated = make_conversation(workspace=workspace, status=ConversationStatus.ESCALATED)
    by_api = make_conversation(workspace=workspace, channel=Channel.API)
    tagged = make_conversation(workspace=workspace, tags=["vip"])
    topical = make_conversation(workspace=workspace, topic="Billing")
    assert _ids(_list(client, agent_key, status="escalated")) == {escalated.pk}
    assert _ids(_list(client, agent_key, channel="api")) == {by_api.pk}
    assert _ids(_list(client, agent_key, tag="vip")) == {tagged.pk}
    assert _ids(_list(client, agent_key, topic="billing")) == {topical.pk}


def test_date_filters_are_inclusive_after_and_exclusive_before(client, workspace, agent_key):
    early = make_conversation(workspace=workspace, started_at=NOV_1 - timedelta(days=2))
    on_time = make_conversation(workspace=workspace, started_at=NOV_1)
    make_message(conversation=early, created_at=NOV_1 + timedelta(days=1))
    assert _ids(_list(client, agent_key, started_after="2026-11-01T12:00:00Z")) == {on_time.pk}
    assert _ids(_list(client, agent_key, started_before="2026-11-01T12:00:00Z")) == {early.pk}
    assert _ids(_list(client, agent_key, started_after="2026-10-01", started_before="2026-11-01")) == {early.pk}
    assert _ids(_list(client, agent_key, last_message_after="2026-11-02")) == {early.pk}


def test_full_text_search_stays_in_the_keys_workspace(client, workspace, other_workspace, agent_key):
    ours = make_conversation(workspace=workspace)
    make_message(conversation=ours, text="The invoices were charged twice")
    theirs = make_conversation(workspace=other_workspace)
    make_message(conversation=theirs, text="A zeppelin invoice")
    assert _ids(_list(client, agent_key, q="invoice charge")) == {ours.pk}
    assert _ids(_list(client, agent_key, q="zeppelin")) == set()


def test_lists_only_the_keys_workspace(client, workspace, other_workspace, agent_key):
    ours = make_conversation(workspace=workspace)
    make_conversation(workspace=other_workspace)
    assert _ids(_list(client, agent_key)) == {ours.pk}


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"status": "bogus"}, 'status: "bogus" is not a valid choice.'),
        ({"channel": "fax"}, 'channel: "fax" is not a valid choice.'),
        ({"started_after": "yesterday"}, "started_after: Datetime has wrong format."),
        ({"started_before": "2026-13-45"}, "started_before: Datetime has wrong format."),
        ({"last_message_after": "1 Nov"}, "last_message_after: Datetime has wrong format."),
        ({"q": "x" * 201}, "q: Ensure this field has no more than 200 characters."),
        ({"tag": "a\x00b"}, "tag: Null characters are not allowed."),
    ],
)
def test_bad_filter_values_are_400_with_a_sentence(client, workspace, agent_key, params, detail):
    response = _list(client, agent_key, **params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"].startswith(detail), response.json()["detail"]


def test_viewer_key_is_403_and_no_key_401(client, workspace, api_key_for_role):
    response = _list(client, api_key_for_role(Role.VIEWER))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.get(reverse("api_conversations")).status_code == 401

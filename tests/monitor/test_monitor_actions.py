"""The monitor's actions from the page (htmx or plain posts): take over, send a reply or a note,
hand back, resolve, close, triage; refused for viewers (403) and other workspaces (404)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from conversations import agent_actions
from conversations.models import ConversationStatus, Event, EventType, Message, Sender
from tests.conftest import logged_in
from tests.factories import make_conversation, make_member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ACTIONS = [
    "monitor_take_over",
    "monitor_hand_back",
    "monitor_resolve",
    "monitor_close",
    "monitor_triage",
    "monitor_send",
]


def _post(client, conversation, name, data=None, **headers):
    return client.post(reverse(name, args=[conversation.workspace.slug, conversation.pk]), data or {}, **headers)


@pytest.mark.parametrize("name", ACTIONS)
def test_viewers_get_403_and_outsiders_404(viewer, outsider, conversation, name):
    assert _post(logged_in(viewer), conversation, name, HTMX).status_code == 403
    assert _post(logged_in(outsider), conversation, name).status_code == 404
    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.status == ConversationStatus.OPEN


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_are_posts_only(agent, conversation, name):
    url = reverse(name, args=[conversation.workspace.slug, conversation.pk])
    assert logged_in(agent).get(url).status_code == 405


def test_take_over_answers_the_panel_and_a_second_agent_is_told_who_has_it(agent, conversation, workspace):
    response = _post(logged_in(agent), conversation, "monitor_take_over", **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="monitor-panel"' in page and "With you" in page
    assert response["HX-Trigger"] == '{"monitor-messages": null}'
    colleague = make_member(workspace=workspace, role=Role.AGENT).user
    refused = _post(logged_in(colleague), conversation, "monitor_take_over", **HTMX)
    assert refused.status_code == 409
    assert f"{agent.display_name} has this conversation." in refused.content.decode()


def test_a_plain_post_redirects_back_with_a_notice(agent, conversation):
    response = _post(logged_in(agent), conversation, "monitor_take_over")
    assert response.status_code == 302
    assert response["Location"] == reverse("monitor_conversation", args=[conversation.workspace.slug, conversation.pk])


def test_sending_a_reply_and_a_note_from_the_box(agent, conversation):
    client = logged_in(agent)
    reply = _post(
        client, conversation, "monitor_send", {"kind": "reply", "text": "On it!", "client_id": "console-1"}, **HTMX
    )
    assert reply.status_code == 200
    again = _post(
        client, conversation, "monitor_send", {"kind": "reply", "text": "On it!", "client_id": "console-1"}, **HTMX
    )
    assert again.status_code == 200  # a double submit stores one message
    note = _post(
        client,
        conversation,
        "monitor_send",
        {"kind": "note", "text": "Refund approved by Sam", "client_id": "console-2"},
        **HTMX,
    )
    assert note.status_code == 200
    assert "composer--note" in note.content.decode()  # the box stays in note mode
    replies = Message.objects.filter(conversation=conversation, sender=Sender.AGENT, internal=False)
    assert list(replies.values_list("text", flat=True)) == ["On it!"]
    assert Message.objects.get(conversation=conversation, internal=True).text == "Refund approved by Sam"
    conversation.refresh_from_db()
    assert conversation.assignee == agent


def test_an_empty_reply_is_refused_and_the_box_keeps_its_mode(agent, conversation):
    response = _post(
        logged_in(agent), conversation, "monitor_send", {"kind": "note", "text": "  ", "client_id": "console-1"}, **HTMX
    )
    assert response.status_code == 422
    assert "Write something first." in response.content.decode()
    assert not Message.objects.filter(conversation=conversation, sender=Sender.AGENT).exists()


def test_replying_to_another_agents_conversation_is_refused_with_the_text_kept(agent, conversation, workspace):
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    colleague = make_member(workspace=workspace, role=Role.AGENT).user
    response = _post(
        logged_in(colleague),
        conversation,
        "monitor_send",
        {"kind": "reply", "text": "Me too", "client_id": "c-1"},
        **HTMX,
    )
    assert response.status_code == 409
    assert "Me too</textarea>" in response.content.decode()


def test_hand_back_resolve_and_close(agent, conversation):
    client = logged_in(agent)
    _post(client, conversation, "monitor_take_over", **HTMX)
    assert "The AI is answering" in _post(client, conversation, "monitor_hand_back", **HTMX).content.decode()
    assert "Resolved" in _post(client, conversation, "monitor_resolve", **HTMX).content.decode()
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.RESOLVED
    _post(client, conversation, "monitor_close", **HTMX)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    assert _post(client, conversation, "monitor_take_over", **HTMX).status_code == 409


def test_triage_sets_priority_tags_and_topic_with_an_event(agent, conversation):
    response = _post(
        logged_in(agent),
        conversation,
        "monitor_triage",
        {"priority": "1", "tags": "refund, vip, refund", "topic": "Billing"},
        **HTMX,
    )
    assert response.status_code == 200
    conversation.refresh_from_db()
    assert (conversation.priority, conversation.tags, conversation.topic) == (1, ["refund", "vip"], "Billing")
    [event] = Event.objects.filter(conversation=conversation, type=EventType.CONVERSATION_UPDATED)
    assert event.payload["user_id"] == agent.pk
    bad = _post(logged_in(agent), conversation, "monitor_triage", {"priority": "9"}, **HTMX)
    assert bad.status_code == 422


def test_other_workspaces_conversations_stay_untouched(outsider, workspace, other_workspace):
    ours = make_conversation(workspace=workspace)
    url = reverse("monitor_take_over", args=[other_workspace.slug, ours.pk])
    assert logged_in(outsider).post(url, **HTMX).status_code == 404
    ours.refresh_from_db()
    assert ours.assignee is None

"""The monitor's list (/w/<slug>/monitor/): who may see it, what each tab holds, and the facts
of each row."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations import agent_actions
from conversations.models import Conversation, ConversationStatus, Sender
from tests.conftest import logged_in
from tests.factories import make_conversation, make_message
from tests.monitor.conftest import escalate

pytestmark = pytest.mark.django_db


def _get(client, workspace, tab=None, **headers):
    params = {"tab": tab} if tab else {}
    return client.get(reverse("monitor", args=[workspace.slug]), params, **headers)


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("agent", 200), ("viewer", 403), ("outsider", 404)])
def test_who_may_open_the_monitor(request, workspace, who, status):
    assert _get(logged_in(request.getfixturevalue(who)), workspace).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, workspace):
    response = _get(client, workspace)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_active_chats_show_contact_topic_priority_confidence_turns_and_waiting(agent, workspace):
    conversation = make_conversation(workspace=workspace, topic="Billing", priority=2)
    make_message(conversation=conversation, text="Hi")
    make_message(conversation=conversation, text="Hello!", sender=Sender.AI, confidence=0.42)
    make_message(conversation=conversation, text="And the invoice?", created_at=timezone.now() - timedelta(minutes=12))
    old = make_conversation(workspace=workspace)
    make_message(conversation=old, text="Long ago", created_at=timezone.now() - timedelta(days=3))
    page = _get(logged_in(agent), workspace).content.decode()
    row = page[page.index(f'data-conversation-id="{conversation.pk}"') :]
    row = row[: row.index("</tr>")]
    for expected in (str(conversation.contact), "Billing", "P2", "0.42", ">2<", "12 min"):
        assert expected in row, expected
    assert f'data-conversation-id="{old.pk}"' not in page  # quiet for days: not active


def test_the_queue_lists_queued_escalations_oldest_first_with_priority_and_reason(agent, workspace):
    first = make_conversation(workspace=workspace)
    second = make_conversation(workspace=workspace)
    older = escalate(first)
    newer = escalate(second, text="I want to speak to a human")
    page = _get(logged_in(agent), workspace, "queue").content.decode()
    assert page.index(f'data-escalation-id="{older.pk}"') < page.index(f'data-escalation-id="{newer.pk}"')
    assert f"P{older.priority}" in page and "lawyer" in page
    assert 'data-escalation-status="queued"' in page
    # Claimed, it leaves the queue but stays under Escalations with its status.
    agent_actions.conversation_take_over(conversation=first, user=agent)
    queue = _get(logged_in(agent), workspace, "queue").content.decode()
    assert f'data-escalation-id="{older.pk}"' not in queue
    everything = _get(logged_in(agent), workspace, "escalations").content.decode()
    assert f'data-escalation-id="{older.pk}" data-escalation-status="claimed"' in everything
    assert f'data-escalation-id="{newer.pk}" data-escalation-status="queued"' in everything


def test_closed_tab_lists_resolved_and_closed_conversations(agent, workspace):
    resolved = make_conversation(workspace=workspace, status=ConversationStatus.RESOLVED)
    closed = make_conversation(workspace=workspace, status=ConversationStatus.CLOSED)
    open_one = make_conversation(workspace=workspace)
    make_message(conversation=open_one)
    page = _get(logged_in(agent), workspace, "closed").content.decode()
    assert f'data-conversation-id="{resolved.pk}"' in page and f'data-conversation-id="{closed.pk}"' in page
    assert f'data-conversation-id="{open_one.pk}"' not in page


def test_htmx_gets_the_section_only_and_other_workspaces_never_show(agent, workspace, other_workspace):
    theirs = make_conversation(workspace=other_workspace)
    make_message(conversation=theirs)
    section = _get(logged_in(agent), workspace, "active", HTTP_HX_REQUEST="true").content.decode()
    assert section.startswith('<section class="card monitor" id="monitor-section"')
    assert "<html" not in section
    assert f'data-conversation-id="{theirs.pk}"' not in section
    assert Conversation.objects.count() == 1


def test_unknown_tabs_show_active_chats(agent, workspace):
    page = _get(logged_in(agent), workspace, "<script>").content.decode()
    assert 'data-tab="active"' in page
    assert "<script>" not in page.split('id="monitor-section"')[1]

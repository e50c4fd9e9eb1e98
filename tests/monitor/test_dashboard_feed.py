"""The dashboard's live feed of recent conversations, read from the event log: resolved by the
AI, escalated, with topic, turns and CSAT; refreshed by the page when the workspace socket
hears of activity."""

import pytest
from django.urls import reverse

from conversations import services
from tests.conftest import logged_in
from tests.factories import make_conversation, make_message
from tests.monitor.conftest import escalate

pytestmark = pytest.mark.django_db


def test_the_feed_shows_resolutions_and_escalations_with_topic_turns_and_csat(owner, workspace):
    resolved = make_conversation(workspace=workspace, topic="Invoices")
    make_message(conversation=resolved, text="Where is my invoice?")
    make_message(conversation=resolved, text="Under Billing.", sender="ai")
    services.conversation_resolve_by_customer(conversation=resolved)
    services.conversation_rate(conversation=resolved, score=5)
    escalated = make_conversation(workspace=workspace, topic="Refunds")
    escalate(escalated)
    page = logged_in(owner).get(reverse("dashboard", args=[workspace.slug])).content.decode()
    feed = page[page.index('id="activity-feed"') :]
    for expected in ("Resolved by the AI", "Invoices", "1 turn", "CSAT 5/5", "Rated 5/5", "Escalated (P1)", "Refunds"):
        assert expected in feed, expected
    assert feed.index("Escalated (P1)") < feed.index("Resolved by the AI")  # newest first
    assert 'data-live-refresh="conversation-activity escalations-updated"' in feed


def test_the_feed_partial_is_for_members_only(owner, viewer, outsider, workspace):
    url = reverse("activity_feed", args=[workspace.slug])
    response = logged_in(owner).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().startswith('<section class="card activity-feed" id="activity-feed"')
    assert logged_in(viewer).get(url).status_code == 200  # viewers see the dashboard
    assert logged_in(outsider).get(url).status_code == 404


def test_viewers_see_the_feed_without_links_into_conversations(viewer, workspace):
    conversation = make_conversation(workspace=workspace, topic="Invoices")
    services.conversation_resolve_by_customer(conversation=conversation)
    page = logged_in(viewer).get(reverse("activity_feed", args=[workspace.slug])).content.decode()
    assert "Resolved by the AI" in page
    assert reverse("monitor_conversation", args=[workspace.slug, conversation.pk]) not in page


def test_other_workspaces_activity_never_shows(owner, workspace, other_workspace):
    theirs = make_conversation(workspace=other_workspace, topic="Their secret topic")
    services.conversation_resolve_by_customer(conversation=theirs)
    page = logged_in(owner).get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert "Their secret topic" not in page
    assert "Nothing yet." in page

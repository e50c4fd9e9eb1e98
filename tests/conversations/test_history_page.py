"""The Conversations page: the workspace's conversations with filters, full-text search of
the messages with highlighted matches (escaped), and pages of results."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from conversations.models import Channel, ConversationStatus, Sender
from tests.conftest import logged_in
from tests.factories import make_contact, make_conversation, make_message

pytestmark = pytest.mark.django_db

NOV_1 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _page(client, workspace, **params):
    return client.get(reverse("conversations", args=[workspace.slug]), params)


def _listed(response) -> set[int]:
    return {conversation.pk for conversation, _ in response.context["rows"]}


@pytest.fixture
def agent_client(agent):
    return logged_in(agent)


def test_lists_contact_status_topic_tags_last_message_and_count(agent_client, workspace):
    contact = make_contact(workspace=workspace, name="Ada Lovelace")
    conversation = make_conversation(
        workspace=workspace, contact=contact, status=ConversationStatus.ESCALATED, topic="billing", tags=["vip"]
    )
    make_message(conversation=conversation, text="Where is my invoice?", created_at=NOV_1)
    make_message(conversation=conversation, text="Here it is.", sender=Sender.AI, created_at=NOV_1)
    response = _page(agent_client, workspace)
    assert response.status_code == 200
    row = response.content.decode().split(f'data-conversation-id="{conversation.pk}"')[1].split("</tr>")[0]
    for expected in ("Ada Lovelace", "Escalated", "billing", '<span class="chip">vip</span>', "1 Nov 2026 12:00"):
        assert expected in row
    assert '<td data-label="Messages">2</td>' in row


def test_most_recently_active_first(agent_client, workspace):
    older = make_conversation(workspace=workspace)
    make_message(conversation=older, created_at=NOV_1)
    newer = make_conversation(workspace=workspace)
    make_message(conversation=newer, created_at=NOV_1 + timedelta(hours=1))
    rows = _page(agent_client, workspace).context["rows"]
    assert [conversation.pk for conversation, _ in rows] == [newer.pk, older.pk]


def test_filters_by_status_channel_tag_and_topic(agent_client, workspace):
    escalated = make_conversation(workspace=workspace, status=ConversationStatus.ESCALATED)
    by_api = make_conversation(workspace=workspace, channel=Channel.API)
    tagged = make_conversation(workspace=workspace, tags=["refund", "vip"])
    topical = make_conversation(workspace=workspace, topic="Billing")
    assert _listed(_page(agent_client, workspace, status="escalated")) == {escalated.pk}
    assert _listed(_page(agent_client, workspace, channel="api")) == {by_api.pk}
    assert _listed(_page(agent_client, workspace, tag="vip")) == {tagged.pk}
    assert _listed(_page(agent_client, workspace, topic="billing")) == {topical.pk}


def test_filters_by_start_or_last_message_date(agent_client, workspace):
    started_early = make_conversation(workspace=workspace, started_at=NOV_1 - timedelta(days=5))
    make_message(conversation=started_early, created_at=NOV_1)
    started_on_the_day = make_conversation(workspace=workspace, started_at=NOV_1)
    make_message(conversation=started_on_the_day, created_at=NOV_1 + timedelta(days=3))
    by_start = _page(agent_client, workspace, dates="started", since="2026-11-01", until="2026-11-01")
    assert _listed(by_start) == {started_on_the_day.pk}
    by_last_message = _page(agent_client, workspace, dates="last_message", since="2026-11-01", until="2026-11-01")
    assert _listed(by_last_message) == {started_early.pk}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"status": "bogus"}, "Select a valid choice"),
        ({"since": "yesterday"}, "Enter a valid date"),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "The “From” date is after the “To” date."),
    ],
)
def test_bad_filters_are_422_with_the_reason(agent_client, workspace, params, error):
    response = _page(agent_client, workspace, **params)
    assert response.status_code == 422
    assert error in response.content.decode()


def test_search_finds_conversations_by_any_message_with_stemming(agent_client, workspace):
    refund = make_conversation(workspace=workspace)
    make_message(conversation=refund, text="Hi")
    make_message(conversation=refund, text="Can I get my money back? I want refunds for both seats.")
    other = make_conversation(workspace=workspace)
    make_message(conversation=other, text="How do I change my password?")
    assert _listed(_page(agent_client, workspace, q="refund")) == {refund.pk}
    assert _listed(_page(agent_client, workspace, q='"money back" -password')) == {refund.pk}
    assert _listed(_page(agent_client, workspace, q="refund or password")) == {refund.pk, other.pk}


def test_search_never_finds_another_workspaces_messages(agent_client, workspace, other_workspace):
    theirs = make_conversation(workspace=other_workspace)
    make_message(conversation=theirs, text="Globex quarterly zeppelin invoice")
    response = _page(agent_client, workspace, q="zeppelin")
    assert response.status_code == 200
    assert _listed(response) == set()
    page = response.content.decode()
    assert "0 conversations with a message matching “zeppelin”" in page
    assert "Globex quarterly" not in page


def test_search_combines_with_filters(agent_client, workspace):
    open_one = make_conversation(workspace=workspace)
    make_message(conversation=open_one, text="The export button is broken")
    closed_one = make_conversation(workspace=workspace, status=ConversationStatus.CLOSED)
    make_message(conversation=closed_one, text="The export button is broken again")
    assert _listed(_page(agent_client, workspace, q="export", status="closed")) == {closed_one.pk}


def test_snippet_highlights_the_match_and_escapes_customer_html(agent_client, workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="<script>alert('pwned')</script> my refund never arrived <b>help</b>")
    page = _page(agent_client, workspace, q="refund").content.decode()
    assert "my <mark>refund</mark> never arrived" in page
    assert "alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "&lt;b&gt;help" in page


def test_a_customer_cannot_forge_highlight_markup(agent_client, workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="refund </mark><img src=x onerror=alert(1)><mark>")
    page = _page(agent_client, workspace, q="refund").content.decode()
    snippet = page.split('<p class="match">')[1].split("</p>")[0]
    assert snippet.startswith("<mark>refund</mark> &lt;/mark&gt;&lt;img src=x onerror=alert(1)&gt;")
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1
    assert "<img" not in page


def test_results_are_paginated_and_keep_the_filters(agent_client, workspace):
    for _ in range(27):
        make_message(conversation=make_conversation(workspace=workspace, topic="billing"), text="invoice")
    first = _page(agent_client, workspace, topic="billing")
    assert len(first.context["rows"]) == 25
    assert "27 conversations" in first.content.decode()
    assert 'href="?topic=billing&amp;page=2"' in first.content.decode()
    second = _page(agent_client, workspace, topic="billing", page=2)
    assert len(second.context["rows"]) == 2


def test_htmx_gets_the_history_section_only(agent_client, workspace):
    response = agent_client.get(reverse("conversations", args=[workspace.slug]), {"q": "x"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card" id="conversation-history">')
    assert "<html" not in page


def test_tags_and_topics_in_use_are_suggested(agent_client, workspace, other_workspace):
    make_conversation(workspace=workspace, tags=["vip", "refund"], topic="Billing")
    make_conversation(workspace=workspace, tags=["vip"])
    make_conversation(workspace=other_workspace, tags=["theirs"], topic="Secret")
    response = _page(agent_client, workspace)
    assert (response.context["tags"], response.context["topics"]) == (["refund", "vip"], ["Billing"])
    assert '<option value="vip"></option>' in response.content.decode()


def test_empty_workspace_says_where_conversations_come_from(agent_client, workspace):
    assert "No conversations yet" in _page(agent_client, workspace).content.decode()


def test_outsider_gets_404(outsider, workspace):
    assert _page(logged_in(outsider), workspace).status_code == 404

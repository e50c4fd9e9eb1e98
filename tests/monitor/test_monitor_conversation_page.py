"""One conversation in the monitor (/w/<slug>/monitor/<id>/): who may open it, the transcript
with notes, provenance and the escalation, and text rendered inert whoever wrote it."""

import pytest
from django.urls import reverse

from conversations import agent_actions
from conversations.models import Sender
from tests.conftest import logged_in
from tests.factories import make_conversation, make_message
from tests.monitor.conftest import escalate

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert('customer')</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><iframe src=javascript:alert(1)>',
]


def _page(client, conversation, name="monitor_conversation", **params):
    return client.get(reverse(name, args=[conversation.workspace.slug, conversation.pk]), params)


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("agent", 200), ("viewer", 403), ("outsider", 404)])
def test_who_may_open_a_conversation(request, conversation, who, status):
    client = logged_in(request.getfixturevalue(who))
    for name in ("monitor_conversation", "monitor_messages", "monitor_panel"):
        assert _page(client, conversation, name).status_code == status, name


def test_another_workspaces_conversation_is_missing(agent, other_workspace):
    theirs = make_conversation(workspace=other_workspace)
    url = reverse("monitor_conversation", args=[other_workspace.slug, theirs.pk])
    assert logged_in(agent).get(url).status_code == 404
    ours = reverse("monitor_conversation", args=["acme-does-not-exist", theirs.pk])
    assert logged_in(agent).get(ours).status_code == 404


def test_the_page_subscribes_to_its_conversation_socket(agent, conversation):
    page = _page(logged_in(agent), conversation).content.decode()
    assert f'data-conversation-socket="/ws/w/{conversation.workspace.slug}/conversations/{conversation.pk}/"' in page
    assert "js/monitor.js" in page


def test_the_transcript_shows_confidence_citations_and_notes_apart(agent, conversation):
    make_message(
        conversation=conversation,
        text="Invoices are under Billing.",
        sender=Sender.AI,
        provider="offline",
        confidence=0.73,
        citations=[{"index": 1, "document_title": "Invoices and payments", "section": "Downloading"}],
    )
    agent_actions.note_add(conversation=conversation, user=agent, text="Probably a duplicate charge")
    page = _page(logged_in(agent), conversation).content.decode()
    assert "0.73" in page
    assert "Invoices and payments" in page and "Downloading" in page
    assert "message--internal" in page and "Internal note" in page
    assert page.index("Invoices are under Billing.") < page.index("Probably a duplicate charge")


def test_the_escalation_reason_and_handoff_summary_are_shown(agent, conversation):
    escalate(conversation, text="My lawyer will hear about the $900 refund on order #48213")
    page = _page(logged_in(agent), conversation).content.decode()
    assert "Handoff summary" in page
    assert "order #48213" in page or "#48213" in page
    assert "lawyer" in page
    assert "Claim</button>" in page


def test_messages_after_an_id_come_as_list_items(agent, conversation):
    first = conversation.messages.get()
    agent_actions.agent_reply(conversation=conversation, user=agent, text="Hello there", client_id="a1")
    items = _page(logged_in(agent), conversation, "monitor_messages", after=first.pk).content.decode()
    assert first.text not in items
    assert items.count('<li class="message') == 2  # "joined" and the reply
    assert "Hello there" in items
    assert _page(logged_in(agent), conversation, "monitor_messages", after="nonsense").status_code == 200


def test_hostile_text_from_customers_the_model_and_agents_renders_inert(agent, workspace):
    conversation = make_conversation(workspace=workspace, topic=HOSTILE[3], tags=[HOSTILE[2]])
    conversation.contact.name = HOSTILE[0]
    conversation.contact.save()
    for text in HOSTILE:
        make_message(conversation=conversation, text=text)
        make_message(
            conversation=conversation,
            text=text,
            sender=Sender.AI,
            confidence=0.5,
            citations=[{"index": 1, "document_title": text, "section": text}],
        )
    agent.name = HOSTILE[1]
    agent.save()
    agent_actions.note_add(conversation=conversation, user=agent, text=HOSTILE[0])
    client = logged_in(agent)
    for name in ("monitor_conversation", "monitor_messages", "monitor_panel"):
        page = _page(client, conversation, name).content.decode()
        for hostile in HOSTILE:
            assert hostile not in page, (name, hostile)
        assert "&lt;script&gt;alert(&#x27;customer&#x27;)&lt;/script&gt;" in page
        assert "<script>alert(" not in page and 'onerror="alert' not in page and "<svg/onload" not in page
    listing = client.get(reverse("monitor", args=[workspace.slug])).content.decode()
    for hostile in HOSTILE:
        assert hostile not in listing

"""conversations/rows.py: the hand-written lock of a conversation gives the instances the ORM
would, and finds a conversation only for its own workspace and contact."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict

from accounts.models import Role, Workspace
from conversations import services
from conversations.models import Conversation
from conversations.rows import conversation_lock, message_id_with_client_id
from tests.factories import make_contact, make_member, make_workspace

pytestmark = pytest.mark.django_db


def every_field(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_lock_reads_the_conversation_its_workspace_and_assignee_as_the_orm_does(
    workspace, conversation, django_assert_num_queries
):
    # Values that need the fields' converters: arrays, JSON, times.
    agent = make_member(workspace=workspace, role=Role.AGENT).user
    Workspace.objects.filter(pk=workspace.pk).update(
        allowed_origins=["https://shop.example"],
        business_hours={"mon": [["09:00", "17:00"]]},
        widget_suggestions=["Where is my order?"],
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        tags=["billing", "vip"], assignee=agent, csat_score=4, last_message_at=datetime.datetime.now(datetime.UTC)
    )

    with transaction.atomic():
        locked = conversation_lock(conversation.pk)

    expected = Conversation.objects.select_related("workspace", "assignee").get(pk=conversation.pk)
    assert every_field(locked) == every_field(expected)
    assert every_field(locked.workspace) == every_field(expected.workspace)
    assert every_field(locked.assignee) == every_field(expected.assignee)
    assert locked.tags == ["billing", "vip"] and locked.workspace.business_hours == {"mon": [["09:00", "17:00"]]}
    assert locked.last_message_at.tzinfo is not None
    # The related rows came with it: reading them asks the database nothing more.
    with django_assert_num_queries(0):
        assert locked.workspace.pk == workspace.pk and locked.assignee.pk == agent.pk
    assert not locked._state.adding and locked._state.db == "default"
    assert model_to_dict(locked)["tags"] == ["billing", "vip"]


def test_a_conversation_without_assignee_has_none(conversation, django_assert_num_queries):
    with transaction.atomic():
        locked = conversation_lock(conversation.pk)
    with django_assert_num_queries(0):
        assert locked.assignee is None


def test_another_workspaces_or_contacts_conversation_is_not_found(workspace, conversation):
    other_workspace = make_workspace()
    other_contact = make_contact(workspace=workspace)
    with transaction.atomic():
        assert (
            conversation_lock(conversation.pk, workspace_id=other_workspace.pk, contact_id=conversation.contact_id)
            is None
        )
        assert conversation_lock(conversation.pk, workspace_id=workspace.pk, contact_id=other_contact.pk) is None
        assert conversation_lock(conversation.pk + 1000) is None
        found = conversation_lock(conversation.pk, workspace_id=workspace.pk, contact_id=conversation.contact_id)
    assert found.pk == conversation.pk


def test_a_message_is_found_by_its_client_id_in_its_conversation_only(workspace, conversation):
    message, _ = services.message_receive(conversation=conversation, text="Hello", client_id="abc")
    other = services.conversation_start(workspace=workspace, contact=conversation.contact)
    assert message_id_with_client_id(conversation.pk, "abc") == message.pk
    assert message_id_with_client_id(other.pk, "abc") is None
    assert message_id_with_client_id(conversation.pk, "abd") is None


@pytest.mark.django_db(transaction=True)
def test_an_assignment_made_while_waiting_for_the_lock_is_the_one_read(workspace):
    """The joined person is read before the wait, the locked row after it: a conversation
    assigned by the transaction it waited for must not come back with nobody (or the wrong
    person) attached."""
    conversation = services.conversation_start(workspace=workspace, contact=make_contact(workspace=workspace))
    agent = make_member(workspace=workspace, role=Role.AGENT).user
    locked_by_first, read = threading.Event(), {}

    def waiter():
        try:
            locked_by_first.wait(10)
            with transaction.atomic():
                locked = conversation_lock(conversation.pk)
                read["assignee_id"], read["assignee"] = locked.assignee_id, locked.assignee
        finally:
            connection.close()

    thread = threading.Thread(target=waiter)
    with transaction.atomic():
        conversation_lock(conversation.pk)
        thread.start()
        locked_by_first.set()
        thread.join(0.5)  # the waiter is now blocked on the row
        Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)
    thread.join(10)
    assert read == {"assignee_id": agent.pk, "assignee": agent}


def test_a_customer_message_is_stored_numbered_with_its_event_as_the_orm_would_read_it(workspace, conversation):
    from django.utils import timezone

    from conversations.models import Event, EventType, Message, Sender
    from conversations.rows import message_insert

    services.message_receive(conversation=conversation, text="First")
    now = timezone.now()
    with transaction.atomic():
        locked = conversation_lock(conversation.pk)
        message = message_insert(
            locked, now=now, event_type=EventType.MESSAGE_SENT, sender=Sender.CUSTOMER, text="Second", client_id="c-2"
        )

    stored = Message.objects.get(pk=message.pk)
    assert every_field(message) == every_field(stored)
    assert (stored.seq, stored.text, stored.client_id, stored.created_at) == (2, "Second", "c-2", now)
    assert message.conversation is locked and (locked.last_seq, locked.last_message_at) == (2, now)
    conversation.refresh_from_db()
    assert (conversation.last_seq, conversation.last_message_at) == (2, now)
    event = Event.objects.filter(conversation=conversation).latest("pk")
    assert (event.type, event.workspace_id, event.created_at) == (EventType.MESSAGE_SENT, workspace.pk, now)
    assert event.payload == {"message_id": message.pk, "seq": 2, "sender": "customer"}


def test_an_events_extra_fields_join_its_payload(conversation):
    from django.utils import timezone

    from conversations.models import Event, EventType, Sender
    from conversations.rows import message_insert

    with transaction.atomic():
        locked = conversation_lock(conversation.pk)
        message = message_insert(
            locked,
            now=timezone.now(),
            event_type=EventType.MESSAGE_SENT,
            event_extra={"kind": "handoff", "decision_id": 7, "note": None},
            sender=Sender.SYSTEM,
            text="A person will take over.",
        )
    event = Event.objects.filter(conversation=conversation).latest("pk")
    assert event.payload == {
        "message_id": message.pk,
        "seq": message.seq,
        "sender": "system",
        "kind": "handoff",
        "decision_id": 7,
        "note": None,
    }

"""The customer's message is stored first, once, in order, with its event in the same
transaction; bad input is refused and stores nothing."""

import threading

import pytest
from django.db import connection, transaction

from conversations import services
from conversations.errors import ConversationError
from conversations.models import ConversationStatus, Event, EventType, Message


@pytest.mark.django_db
def test_messages_get_consecutive_sequence_numbers_per_conversation(workspace, conversation):
    other = services.conversation_start(workspace=workspace, contact=conversation.contact)
    seqs = [services.message_receive(conversation=conversation, text=f"Hello {n}")[0].seq for n in range(3)]
    assert seqs == [1, 2, 3]
    assert services.message_receive(conversation=other, text="Hi")[0].seq == 1
    conversation.refresh_from_db()
    assert conversation.last_seq == 3 and conversation.last_message_at is not None


@pytest.mark.django_db
def test_a_duplicate_client_id_is_stored_once(conversation):
    first, created = services.message_receive(conversation=conversation, text="Where is my invoice?", client_id="c-1")
    again, created_again = services.message_receive(
        conversation=conversation, text="Where is my invoice?", client_id="c-1"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert Event.objects.filter(type=EventType.MESSAGE_SENT).count() == 1


@pytest.mark.django_db
def test_client_ids_are_per_conversation(workspace, conversation):
    other = services.conversation_start(workspace=workspace, contact=conversation.contact)
    services.message_receive(conversation=conversation, text="a", client_id="same")
    assert services.message_receive(conversation=other, text="b", client_id="same")[1] is True


@pytest.mark.django_db
def test_each_message_appends_its_event(conversation):
    message, _ = services.message_receive(conversation=conversation, text="Hello")
    types = list(Event.objects.filter(conversation=conversation).values_list("type", flat=True))
    assert types == [EventType.CONVERSATION_STARTED, EventType.MESSAGE_SENT]
    assert Event.objects.get(type=EventType.MESSAGE_SENT).payload == {
        "message_id": message.pk,
        "seq": 1,
        "sender": "customer",
    }


@pytest.mark.django_db
def test_message_and_event_share_one_transaction(conversation):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.message_receive(conversation=conversation, text="Will be rolled back")
        raise RuntimeError("something after the message failed")
    assert not Message.objects.exists()
    assert not Event.objects.filter(type=EventType.MESSAGE_SENT).exists()


@pytest.mark.django_db
def test_events_are_append_only(conversation):
    event = Event.objects.first()
    event.payload = {"tampered": True}
    with pytest.raises(ValueError, match="append-only"):
        event.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "client_id", "code"),
    [
        ("   ", "", "empty_message"),
        ("x" * 4001, "", "message_too_long"),
        ("nul\x00byte", "", "invalid_text"),
        ("fine", "has spaces", "invalid_client_id"),
        ("fine", "x" * 65, "invalid_client_id"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_stored(conversation, text, client_id, code):
    with pytest.raises(ConversationError) as refused:
        services.message_receive(conversation=conversation, text=text, client_id=client_id)
    assert refused.value.code == code
    assert refused.value.message
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_resolved_conversation_reopens_and_a_closed_one_refuses(conversation):
    conversation.status = ConversationStatus.RESOLVED
    conversation.save()
    services.message_receive(conversation=conversation, text="One more question")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN
    assert Event.objects.filter(type=EventType.CONVERSATION_REOPENED).count() == 1
    conversation.status = ConversationStatus.CLOSED
    conversation.save()
    with pytest.raises(ConversationError) as refused:
        services.message_receive(conversation=conversation, text="Hello?")
    assert refused.value.code == "conversation_closed"


@pytest.mark.django_db(transaction=True)
def test_two_clients_racing_with_one_client_id_store_one_message(conversation):
    results, barrier = [], threading.Barrier(2)

    def send():
        barrier.wait()
        try:
            results.append(services.message_receive(conversation=conversation, text="Race", client_id="race-1"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _, created in results) == [False, True]
    assert Message.objects.filter(conversation=conversation).count() == 1

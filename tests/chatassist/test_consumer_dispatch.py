"""The live sockets handle their events without channels' per-event connection sweep on its
shared sync thread (chatassist/consumer_dispatch.py), and still refuse unknown events."""

import pytest
from asgiref.sync import async_to_sync

from accounts.consumers import WorkspaceConsumer
from chatassist.consumer_dispatch import ChatDatabaseDispatchMixin
from conversations.consumers import WidgetConsumer
from conversations.monitor.consumers import ConversationMonitorConsumer
from tests.conversations.widget_client import ORIGIN, client_id, receive_type, widget_connect, widget_hello

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("consumer", [WidgetConsumer, WorkspaceConsumer, ConversationMonitorConsumer])
def test_every_live_socket_dispatches_without_the_sweep(consumer):
    assert issubclass(consumer, ChatDatabaseDispatchMixin)


def test_a_widget_conversation_makes_no_trip_to_the_sync_thread(workspace, monkeypatch):
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    sweeps = []

    async def sweep():
        sweeps.append(1)

    monkeypatch.setattr("channels.consumer.aclose_old_connections", sweep)

    async def scenario():
        widget = await widget_connect(workspace)
        await widget_hello(widget)
        await widget.send_json_to({"type": "message.send", "client_id": client_id(), "text": "Hello there"})
        created = await receive_type(widget, "message.created")
        await widget.send_json_to({"type": "ping"})
        await receive_type(widget, "pong")
        await widget.disconnect()
        return created

    created = async_to_sync(scenario)()
    assert created["message"]["text"] == "Hello there"
    assert sweeps == []


def test_an_event_without_a_handler_is_still_refused():
    handled = []

    class Consumer(ChatDatabaseDispatchMixin):
        async def chat_frame(self, message):
            handled.append(message)

    consumer = Consumer()
    async_to_sync(consumer.dispatch)({"type": "chat.frame"})
    assert handled == [{"type": "chat.frame"}]
    with pytest.raises(ValueError, match=r"No handler for message type nothing\.here"):
        async_to_sync(consumer.dispatch)({"type": "nothing.here"})

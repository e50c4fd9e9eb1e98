"""Fan-out of conversation changes through the channel layer, after commit.

The channel layer is at-most-once and costs a Redis round trip per message (MEASURED.md), so
it carries what watchers need to stay current (stored messages, statuses, coalesced
previews of a streaming reply), never per-token traffic, and nothing that must arrive:
clients resume from the database by sequence number."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from accounts.realtime import workspace_group


def conversation_group(conversation_id: int) -> str:
    return f"conversation_{conversation_id}"


def chat_message(frame: dict, *, origin: str = "") -> dict:
    """The channel-layer message consumers receive as ``chat.frame``. ``origin`` names the
    socket that already has this frame, so it can skip its own echo."""
    return {"type": "chat.frame", "frame": frame, "origin": origin}


def conversation_broadcast_on_commit(*, conversation, frame: dict, activity: bool = True, origin: str = "") -> None:
    """After commit: ``frame`` to everyone watching the conversation (but ``origin``, the
    socket that already has it) and, for the workspace's console pages (the agent monitor),
    a small ``conversation.activity`` event."""
    conversation_id, workspace_id = conversation.pk, conversation.workspace_id

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(conversation_group(conversation_id), chat_message(frame, origin=origin))
        if activity:
            async_to_sync(layer.group_send)(
                workspace_group(workspace_id),
                {
                    "type": "workspace.event",
                    "event": {"type": "conversation.activity", "conversation_id": conversation_id, "frame": frame},
                },
            )

    transaction.on_commit(send)

"""Fan-out of conversation changes through the channel layer, after commit.

The channel layer is at-most-once and costs a Redis round trip per message (MEASURED.md), so
it carries what watchers need to stay current (stored messages, statuses, coalesced
previews of a streaming reply), never per-token traffic, and nothing that must arrive:
clients resume from the database by sequence number.

Two groups per conversation: ``conversation_<id>`` is everyone watching it, the customer's
widget tabs included; ``conversation_<id>_agents`` is the agent monitor only, for what the
customer must never receive (internal notes, triage)."""

from accounts.realtime import workspace_group
from chatassist.fanout import send_on_commit

# While the channel layer is down, sockets and event streams read the conversation's messages
# from the database: from this many before the last they have, since those they got directly
# (their own replies) may have overtaken one that the layer dropped.
CATCH_UP_WINDOW = 20


def conversation_group(conversation_id: int) -> str:
    return f"conversation_{conversation_id}"


def conversation_agents_group(conversation_id: int) -> str:
    """Joined only by the console's conversation socket (conversations/monitor/consumers.py)."""
    return f"conversation_{conversation_id}_agents"


def chat_message(frame: dict, *, origin: str = "") -> dict:
    """The channel-layer message consumers receive as ``chat.frame``. ``origin`` names the
    socket that already has this frame, so it can skip its own echo."""
    return {"type": "chat.frame", "frame": frame, "origin": origin}


def _activity(conversation, frame: dict) -> tuple[str, dict, str]:
    event = {"type": "conversation.activity", "conversation_id": conversation.pk, "frame": frame}
    return workspace_group(conversation.workspace_id), {"type": "workspace.event", "event": event}, ""


def conversation_broadcast_on_commit(*, conversation, frame: dict, activity: bool = True, origin: str = "") -> None:
    """After commit: ``frame`` to everyone watching the conversation (but ``origin``, the
    socket that already has it) and, for the workspace's console pages (the agent monitor),
    a small ``conversation.activity`` event."""
    message = frame.get("message")
    if isinstance(message, dict) and message.get("internal"):
        # The customer's widget listens to this group: an internal note must never go here.
        raise ValueError("Internal notes go to agents_broadcast_on_commit, never to the customer's group.")
    conversation_id = conversation.pk
    sends = [(conversation_group(conversation_id), chat_message(frame, origin=origin), origin)]
    if activity:
        sends.append(_activity(conversation, frame))
    send_on_commit(sends, order_key=conversation_group(conversation_id))


def agents_broadcast_on_commit(
    *, conversation, frame: dict, activity_frame: dict | None = None, origin: str = ""
) -> None:
    """After commit: ``frame`` to the agents watching the conversation only (never its
    customer) but ``origin``, the socket that already has it, in order with the
    conversation's other sends; and ``activity_frame``, if given, to the console's lists as a
    ``conversation.activity`` event."""
    sends = [(conversation_agents_group(conversation.pk), chat_message(frame, origin=origin), origin)]
    if activity_frame is not None:
        sends.append(_activity(conversation, activity_frame))
    send_on_commit(sends, order_key=conversation_group(conversation.pk))

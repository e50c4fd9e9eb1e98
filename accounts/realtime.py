"""Realtime fan-out after commit: a service changes the database, then tells the groups.

The channel layer is at-most-once; nothing sent here must arrive for correctness. Pages
refetch what changed from the database when they hear about it."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def workspace_group(workspace_id: int) -> str:
    return f"workspace_{workspace_id}"


def broadcast_on_commit(group: str, event: dict) -> None:
    """Send ``event`` (a dict with a ``type`` such as ``"team.updated"``) to ``group`` once the
    current transaction commits; consumers receive it as a ``workspace.event`` message."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": "workspace.event", "event": event})

    transaction.on_commit(send)

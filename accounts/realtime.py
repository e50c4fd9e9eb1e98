"""Realtime fan-out after commit: a service changes the database, then tells the groups.

The channel layer is at-most-once; nothing sent here must arrive for correctness. Pages
refetch what changed from the database when they hear about it."""

from chatassist.fanout import send_on_commit


def workspace_group(workspace_id: int) -> str:
    return f"workspace_{workspace_id}"


def membership_group(membership_id: int) -> str:
    """One member's sockets that do not hear the workspace group (a conversation's page):
    told when that membership changes or ends."""
    return f"membership_{membership_id}"


def broadcast_on_commit(group: str, event: dict) -> None:
    """Send ``event`` (a dict with a ``type`` such as ``"team.updated"``) to ``group`` once the
    current transaction commits; consumers receive it as a ``workspace.event`` message."""
    send_on_commit([(group, {"type": "workspace.event", "event": event}, "")], order_key=group)

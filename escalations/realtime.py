"""What the console's pages hear of an escalation, after commit."""

from accounts.realtime import broadcast_on_commit, workspace_group
from escalations.models import Escalation


def escalations_updated_on_commit(escalation: Escalation, *, change: str = "") -> None:
    """``escalations.updated`` to the workspace's console sockets (the monitor's Queue and
    Escalations tabs refetch their rows); ``change`` names what changed when it is not the
    status or the priority (``"summary"``)."""
    event = {
        "type": "escalations.updated",
        "escalation_id": escalation.pk,
        "conversation_id": escalation.conversation_id,
        "status": escalation.status,
        "priority": escalation.priority,
    }
    if change:
        event["change"] = change
    broadcast_on_commit(workspace_group(escalation.workspace_id), event)

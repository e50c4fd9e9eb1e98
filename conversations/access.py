"""Looking up conversations for the member or API key that asks: 404 for "missing" and for
"another workspace's" alike (see accounts/access.py)."""

from django.http import Http404

from accounts.models import Workspace
from conversations.models import Conversation


def conversation_for(workspace: Workspace, conversation_id: int) -> Conversation:
    conversation = (
        Conversation.objects.filter(workspace=workspace, pk=conversation_id)
        .select_related("workspace", "contact", "assignee")
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation

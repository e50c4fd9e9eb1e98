"""Triage: the priority, tags and topic that people and API clients set on a conversation.

A write like those in services.py: the change and its ``conversation_updated`` event share
one transaction, so analytics and integrations (a Zendesk ticket's tags, say) learn of it,
and the agents watching hear of it after commit (never the customer)."""

from django.db import transaction

from accounts.models import ApiKey, User
from conversations.models import Conversation, EventType
from conversations.realtime import agents_broadcast_on_commit
from conversations.services import event_append

MAX_TAGS = 20


@transaction.atomic
def conversation_triage(
    *,
    conversation: Conversation,
    actor: User | ApiKey | None,
    priority: int | None = None,
    tags: list[str] | None = None,
    topic: str | None = None,
) -> Conversation:
    """Set what is given (None leaves a field as it is) and return the conversation as it is
    now. Values come validated by a form or serializer: priority 1 to 5 (the database refuses
    others), at most ``MAX_TAGS`` tags of 50 characters, a topic of 100. No event when
    nothing changed."""
    locked = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("contact", "assignee")
        .get(pk=conversation.pk)
    )
    changes = {}
    for field, value in (("priority", priority), ("tags", tags), ("topic", topic)):
        if value is not None and getattr(locked, field) != value:
            changes[field] = {"old": getattr(locked, field), "new": value}
            setattr(locked, field, value)
    if changes:
        locked.save(update_fields=list(changes))
        event_append(
            workspace=conversation.workspace,
            conversation=locked,
            type=EventType.CONVERSATION_UPDATED,
            payload={"changes": changes, **_actor(actor)},
        )
        # The team's pages (the monitor's lists and conversation view) refresh; the customer
        # is not told: priority, tags and topic are the team's business.
        frame = {
            "type": "conversation.triaged",
            "conversation_id": locked.pk,
            "priority": locked.priority,
            "tags": locked.tags,
            "topic": locked.topic,
        }
        agents_broadcast_on_commit(conversation=locked, frame=frame, activity_frame=frame)
    return locked


def _actor(actor: User | ApiKey | None) -> dict:
    if isinstance(actor, ApiKey):
        return {"api_key_id": actor.pk}
    if actor is not None:
        return {"user_id": actor.pk}
    return {}

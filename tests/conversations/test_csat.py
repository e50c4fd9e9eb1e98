"""The customer's rating: stored, replaced while the customer may still change it, then final."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from conversations import services
from conversations.chat.payloads import conversation_payload
from conversations.errors import ConversationError
from conversations.models import ConversationStatus, Event, EventType
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(workspace):
    return make_conversation(workspace=workspace, status=ConversationStatus.RESOLVED)


def test_a_rating_is_stored_with_its_comment_and_its_edit_window(resolved, settings):
    settings.CSAT_EDIT_MINUTES = 10
    rated = services.conversation_rate(conversation=resolved, score=4, comment=" Quick, thanks ")

    payload = conversation_payload(rated)
    assert (payload["csat_score"], payload["csat_comment"]) == (4, "Quick, thanks")
    until = datetime.fromisoformat(payload["csat_editable_until"])
    assert timedelta(minutes=9) < until - timezone.now() <= timedelta(minutes=10)
    assert Event.objects.filter(conversation=resolved, type=EventType.CSAT_RECEIVED).count() == 1


def test_a_rating_can_be_changed_for_a_while_from_the_first_one(resolved, settings):
    settings.CSAT_EDIT_MINUTES = 10
    first = services.conversation_rate(conversation=resolved, score=2)
    changed = services.conversation_rate(conversation=resolved, score=5, comment="Sorted after all")

    assert (changed.csat_score, changed.csat_comment) == (5, "Sorted after all")
    # The window runs from the first rating: changing it does not extend it.
    assert changed.csat_at == first.csat_at


def test_after_the_window_the_rating_is_final(resolved, settings):
    settings.CSAT_EDIT_MINUTES = 10
    services.conversation_rate(conversation=resolved, score=3, comment="Fine")
    type(resolved).objects.filter(pk=resolved.pk).update(csat_at=timezone.now() - timedelta(minutes=11))

    with pytest.raises(ConversationError) as refused:
        services.conversation_rate(conversation=resolved, score=1)

    assert (refused.value.code, refused.value.status) == ("rating_final", 409)
    resolved.refresh_from_db()
    assert (resolved.csat_score, resolved.csat_comment) == (3, "Fine")
    assert Event.objects.filter(conversation=resolved, type=EventType.CSAT_RECEIVED).count() == 1


def test_an_open_conversation_cannot_be_rated(workspace):
    conversation = make_conversation(workspace=workspace)

    with pytest.raises(ConversationError) as refused:
        services.conversation_rate(conversation=conversation, score=5)

    assert refused.value.code == "conversation_not_resolved"

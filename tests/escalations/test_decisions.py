"""rules_evaluate records every decision that matches, with what was known at the time."""

from decimal import Decimal

import pytest

from conversations.models import Event, EventType, Sender
from escalations import selectors, services
from escalations.events import CONVERSATION_HANDED_BACK
from escalations.models import EscalationDecision
from prompts.models import PromptVersion
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(workspace):
    return make_conversation(workspace=workspace)


def _say(conversation, text):
    return make_message(conversation=conversation, text=text)


def test_a_matching_message_is_recorded_with_rule_words_and_reason(conversation):
    message = _say(conversation, "Please refund my $250 now")
    decision = services.rules_evaluate(conversation=conversation, message=message, stage="before")
    assert decision == EscalationDecision.objects.get()
    assert (decision.rule_name, decision.rule_priority, decision.rule_action) == ("Refund over $200", 2, "route")
    assert decision.rule.name == "Refund over $200"
    assert decision.rule_version == 1
    assert decision.team == "billing"
    assert "can't confirm or decline refunds" in decision.holding_message
    assert decision.message == message
    assert decision.stage == "before"
    assert decision.matched_text == "$250"
    assert decision.reason == "Refund of $250 is over the $200 limit."
    assert decision.turn_count == 1
    assert decision.confidence is None


def test_no_match_records_nothing(conversation):
    message = _say(conversation, "How do I export a funnel?")
    assert services.rules_evaluate(conversation=conversation, message=message, stage="before") is None
    assert not EscalationDecision.objects.exists()


def test_low_confidence_uses_the_active_prompt_versions_threshold(workspace, owner, conversation):
    services.rule_create(
        workspace=workspace,
        actor=owner,
        name="Unsure answer",
        priority=3,
        action="offer",
        conditions={"confidence_below": "prompt"},
    )
    PromptVersion.objects.filter(workspace=workspace, is_active=True).update(escalation_threshold=Decimal("0.55"))
    message = _say(conversation, "How do I export a funnel?")
    assert services.rules_evaluate(conversation=conversation, message=message, stage="before") is None
    sure = services.rules_evaluate(conversation=conversation, message=message, stage="after", confidence=0.6)
    assert sure is None
    decision = services.rules_evaluate(conversation=conversation, message=message, stage="after", confidence=0.5)
    assert decision.rule_name == "Unsure answer"
    assert (decision.stage, decision.confidence, decision.confidence_threshold) == ("after", 0.5, 0.55)
    assert decision.reason == "The AI's confidence 0.50 is below the threshold of the active prompt version (0.55)."


def test_turns_without_resolution_count_customer_messages_since_the_last_fresh_start(conversation):
    for number in range(5):
        _say(conversation, f"It still fails, attempt {number}")
        make_message(conversation=conversation, text="Try this…", sender=Sender.AI)
    sixth = _say(conversation, "The webhook still does not fire")
    decision = services.rules_evaluate(conversation=conversation, message=sixth, stage="before")
    assert decision.rule_name == "Technical question unresolved after 6 turns"
    assert decision.turn_count == 6
    assert decision.rule_action == "offer"

    Event.objects.create(workspace=conversation.workspace, conversation=conversation, type=CONVERSATION_HANDED_BACK)
    seventh = _say(conversation, "The webhook still does not fire")
    assert selectors.turns_without_resolution(conversation=conversation, up_to_seq=seventh.seq) == 1
    assert services.rules_evaluate(conversation=conversation, message=seventh, stage="before") is None


def test_a_reopened_conversation_counts_again(conversation):
    for _ in range(3):
        _say(conversation, "hello")
    Event.objects.create(
        workspace=conversation.workspace, conversation=conversation, type=EventType.CONVERSATION_REOPENED
    )
    message = _say(conversation, "hello again")
    assert selectors.turns_without_resolution(conversation=conversation, up_to_seq=message.seq) == 1


def test_the_technical_topic_may_come_from_the_opening_message(conversation):
    _say(conversation, "Our tracking snippet does not send events")
    for _ in range(4):
        _say(conversation, "no")
    sixth = _say(conversation, "still nothing")
    decision = services.rules_evaluate(conversation=conversation, message=sixth, stage="before")
    assert decision.rule_name == "Technical question unresolved after 6 turns"
    assert decision.matched_text == ""
    assert decision.reason.startswith("The conversation is about “tracking”")


def test_the_decision_keeps_the_rules_name_after_the_rule_is_deleted(workspace, owner, conversation):
    message = _say(conversation, "I'll call my lawyer")
    decision = services.rules_evaluate(conversation=conversation, message=message, stage="before")
    services.rule_delete(rule=decision.rule, actor=owner)
    decision.refresh_from_db()
    assert decision.rule.deleted_at is not None
    assert (decision.rule_name, decision.rule_priority, decision.rule_action) == (
        "Legal or compliance mention",
        1,
        "stop",
    )
    again = services.rules_evaluate(conversation=conversation, message=message, stage="before")
    assert again is None, "a deleted rule no longer runs"


def test_dry_run_writes_nothing_and_checks_after_reply_rules_with_a_confidence(workspace, owner):
    services.rule_create(
        workspace=workspace,
        actor=owner,
        name="Unsure answer",
        priority=3,
        action="offer",
        conditions={"confidence_below": 0.3},
    )
    assert services.dry_run(workspace=workspace, text="How do I export?") is None
    match = services.dry_run(workspace=workspace, text="How do I export?", confidence=0.2)
    assert (match.rule_name, match.stage) == ("Unsure answer", "after")
    legal = services.dry_run(workspace=workspace, text="my lawyer says hi", confidence=0.2)
    assert (legal.rule_name, legal.stage) == ("Legal or compliance mention", "before")
    assert not EscalationDecision.objects.exists()


def test_a_rule_changed_elsewhere_is_in_force_here_once_the_stamp_is_read_again(conversation, monkeypatch):
    """Other processes (the console's) change rules without this one's signals: the stamp
    this process trusts for RULES_STAMP_SECONDS is what makes it see the change."""
    from django.utils import timezone

    from escalations.models import EscalationRule

    monkeypatch.setattr(selectors, "RULES_STAMP_SECONDS", 60)  # however slow this machine is
    message = _say(conversation, "Please refund my $250 now")
    assert services.rules_evaluate(conversation=conversation, message=message, stage="before") is not None
    # As another process's save would (a new updated_at), but without this process's signal.
    EscalationRule.objects.filter(workspace=conversation.workspace).update(enabled=False, updated_at=timezone.now())
    EscalationDecision.objects.all().delete()
    assert services.rules_evaluate(conversation=conversation, message=message, stage="before") is not None, (
        "within RULES_STAMP_SECONDS the stamp read a moment ago is trusted"
    )
    monkeypatch.setattr(selectors, "RULES_STAMP_SECONDS", 0)
    assert services.rules_evaluate(conversation=conversation, message=message, stage="before") is None


def test_a_rule_changed_in_this_process_is_in_force_at_once(conversation):
    rule = selectors.rules_of(workspace=conversation.workspace).get(name="Refund over $200")
    message = _say(conversation, "Please refund my $250 now")
    assert services.rules_evaluate(conversation=conversation, message=message, stage="before") is not None
    services.rule_set_enabled(rule=rule, actor=None, enabled=False)
    assert services.rules_evaluate(conversation=conversation, message=message, stage="before") is None

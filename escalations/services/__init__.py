"""Writes for escalations: rules (each change versioned), decisions, and the escalation
lifecycle queued → claimed → resolved (or handed back to the AI).

Every function is keyword-only and atomic, and raises an ``EscalationError`` for a request that
cannot be honoured. In four parts: ``rules``, ``evaluation`` (decisions and the dry run),
``lifecycle`` (escalations) and ``summaries`` (the AI handoff summary, written by a worker
after the escalation opens); import them from here."""

from escalations.handoff import handoff_summary
from escalations.services.evaluation import dry_run, rules_evaluate
from escalations.services.lifecycle import (
    escalation_claim,
    escalation_hand_back,
    escalation_open,
    escalation_resolve,
)
from escalations.services.rules import (
    default_rules_create,
    rule_create,
    rule_delete,
    rule_move,
    rule_reorder,
    rule_set_enabled,
    rule_update,
)
from escalations.services.summaries import escalation_summarize, escalation_summary_queue

__all__ = [
    "default_rules_create",
    "dry_run",
    "escalation_claim",
    "escalation_hand_back",
    "escalation_open",
    "escalation_resolve",
    "escalation_summarize",
    "escalation_summary_queue",
    "handoff_summary",
    "rule_create",
    "rule_delete",
    "rule_move",
    "rule_reorder",
    "rule_set_enabled",
    "rule_update",
    "rules_evaluate",
]

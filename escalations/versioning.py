"""What a rule version records: a snapshot of the rule, and one sentence saying what changed
since the version before ("priority P3 → P2; keywords added: chargeback")."""

from decimal import Decimal

from escalations.engine.money import format_limit
from escalations.engine.schema import CONDITION_LABELS, conditions_summary

SNAPSHOT_FIELDS = ("name", "position", "enabled", "priority", "action", "team", "holding_message", "conditions")


def rule_snapshot(rule) -> dict:
    snapshot = {field: getattr(rule, field) for field in SNAPSHOT_FIELDS}
    snapshot["deleted"] = rule.deleted_at is not None
    return snapshot


def _quoted(value: str) -> str:
    return f"“{value}”"


def _list_change(label: str, before: list, after: list) -> list[str]:
    before_keys = {entry.lower(): entry for entry in before}
    after_keys = {entry.lower(): entry for entry in after}
    added = [after_keys[key] for key in after_keys if key not in before_keys]
    removed = [before_keys[key] for key in before_keys if key not in after_keys]
    parts = []
    if added:
        parts.append(f"{label} added: {', '.join(added)}")
    if removed:
        parts.append(f"{label} removed: {', '.join(removed)}")
    return parts


def _threshold(value) -> str:
    return "the prompt's threshold" if value == "prompt" else f"{float(value):.2f}"


def _conditions_change(before: dict, after: dict) -> list[str]:
    parts = []
    for key in CONDITION_LABELS:
        label = CONDITION_LABELS[key]
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is None:
            parts.append(f"{label} added ({conditions_summary({key: new})[0]})")
        elif new is None:
            parts.append(f"{label} removed")
        elif key in ("keywords", "patterns", "topics"):
            parts.extend(_list_change(label, old, new))
        elif key == "amount":
            if old["over"] != new["over"] or old.get("currency") != new.get("currency"):
                old_limit = format_limit(Decimal(str(old["over"])), old.get("currency", "$"))
                new_limit = format_limit(Decimal(str(new["over"])), new.get("currency", "$"))
                parts.append(f"amount over {old_limit} → {new_limit}")
            parts.extend(_list_change("amount topics", old["topics"], new["topics"]))
        elif key == "turns_at_least":
            parts.append(f"turn limit {old} → {new}")
        elif key == "confidence_below":
            parts.append(f"confidence below {_threshold(old)} → {_threshold(new)}")
        elif key == "negative_sentiment":
            parts.append(
                f"negative sentiment {conditions_summary({key: old})[0]} → {conditions_summary({key: new})[0]}"
            )
        else:
            parts.append(f"{label} changed")
    return parts


def rule_created_summary(snapshot: dict) -> str:
    action = snapshot["action"] + (
        f" to {snapshot['team']}" if snapshot["action"] == "route" and snapshot["team"] else ""
    )
    conditions = "; ".join(conditions_summary(snapshot["conditions"]))
    state = "" if snapshot["enabled"] else " (disabled)"
    return f"created: P{snapshot['priority']} {action} when {conditions}{state}"


def rule_change_summary(before: dict | None, after: dict) -> str:
    """One sentence for people. ``before`` is None for a new rule."""
    if before is None:
        return rule_created_summary(after)
    if after["deleted"] and not before["deleted"]:
        return "deleted"
    parts = []
    if before["name"] != after["name"]:
        parts.append(f"renamed {_quoted(before['name'])} → {_quoted(after['name'])}")
    if before["enabled"] != after["enabled"]:
        parts.append("enabled" if after["enabled"] else "disabled")
    if before["position"] != after["position"]:
        parts.append(f"moved from position {before['position']} to {after['position']}")
    if before["priority"] != after["priority"]:
        parts.append(f"priority P{before['priority']} → P{after['priority']}")
    if before["action"] != after["action"]:
        parts.append(f"action {before['action']} → {after['action']}")
    if before["team"] != after["team"]:
        parts.append(f"team {before['team'] or '(none)'} → {after['team'] or '(none)'}")
    if before["holding_message"] != after["holding_message"]:
        parts.append("holding message changed")
    parts.extend(_conditions_change(before["conditions"], after["conditions"]))
    return "; ".join(parts) or "no change"

"""Writes for rules: create, edit, reorder, enable or disable, delete; each change versioned
(escalations/versioning.py), atomic, and one at a time per workspace."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.realtime import broadcast_on_commit, workspace_group
from escalations import engine
from escalations.defaults import DEFAULT_RULES
from escalations.errors import EscalationError, RuleInvalid
from escalations.models import EscalationRule, EscalationRuleVersion, RuleAction, RuleChange
from escalations.versioning import rule_change_summary, rule_snapshot

MAX_NAME_CHARACTERS = 120
MAX_TEAM_CHARACTERS = 50
MAX_HOLDING_MESSAGE_CHARACTERS = 1000
RULE_FIELDS = ("name", "priority", "action", "team", "holding_message", "conditions", "enabled")


def _workspace_lock(workspace_id: int) -> None:
    """Rule writes of one workspace go one at a time: positions and version numbers stay
    gapless, and the cache stamp moves forward."""
    Workspace.objects.select_for_update().filter(pk=workspace_id).first()


def _rule_lock(rule: EscalationRule) -> EscalationRule:
    _workspace_lock(rule.workspace_id)
    locked = EscalationRule.objects.select_for_update().filter(pk=rule.pk, deleted_at__isnull=True).first()
    if locked is None:
        raise EscalationError("This rule was deleted.", code="rule_deleted", status=404)
    return locked


def _rule_fields_clean(fields: dict) -> dict:
    """The fields, validated and cleaned, or ``RuleInvalid`` with a sentence per field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(fields)
    if "name" in fields:
        cleaned["name"] = " ".join(str(fields["name"] or "").split())
        if not cleaned["name"]:
            errors["name"] = ["Give the rule a name."]
        elif len(cleaned["name"]) > MAX_NAME_CHARACTERS:
            errors["name"] = [f"Keep the name under {MAX_NAME_CHARACTERS} characters."]
    if "priority" in fields and fields["priority"] not in range(1, 6):
        errors["priority"] = ["The priority must be from P1 (most urgent) to P5."]
    if "action" in fields and fields["action"] not in RuleAction.values:
        errors["action"] = ["The action must be stop, route or offer."]
    if "team" in fields:
        cleaned["team"] = " ".join(str(fields["team"] or "").split())
        if len(cleaned["team"]) > MAX_TEAM_CHARACTERS:
            errors["team"] = [f"Keep the team under {MAX_TEAM_CHARACTERS} characters."]
    if "holding_message" in fields:
        cleaned["holding_message"] = str(fields["holding_message"] or "").strip()
        if len(cleaned["holding_message"]) > MAX_HOLDING_MESSAGE_CHARACTERS:
            errors["holding_message"] = [f"Keep the message under {MAX_HOLDING_MESSAGE_CHARACTERS} characters."]
    if "enabled" in fields:
        cleaned["enabled"] = bool(fields["enabled"])
    if "conditions" in fields:
        try:
            cleaned["conditions"] = engine.conditions_validate(fields["conditions"])
        except engine.ConditionsInvalid as error:
            errors.update(error.errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise RuleInvalid(first, errors=errors)
    return cleaned


def _version_write(
    *, rule: EscalationRule, actor: User | None, change: str, before: dict | None, summary: str = ""
) -> EscalationRuleVersion:
    last = EscalationRuleVersion.objects.filter(rule=rule).aggregate(last=Max("number"))["last"] or 0
    after = rule_snapshot(rule)
    return EscalationRuleVersion.objects.create(
        rule=rule,
        number=last + 1,
        change=change,
        summary=(summary or rule_change_summary(before, after))[:1000],
        snapshot=after,
        changed_by=actor,
        changed_at=rule.updated_at,
    )


@transaction.atomic
def rule_create(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str,
    priority: int,
    action: str,
    conditions: dict,
    team: str = "",
    holding_message: str = "",
    enabled: bool = True,
) -> EscalationRule:
    """A new rule, last in the order (so it cannot shadow the rules before it)."""
    fields = _rule_fields_clean(
        {
            "name": name,
            "priority": priority,
            "action": action,
            "team": team,
            "holding_message": holding_message,
            "conditions": conditions,
            "enabled": enabled,
        }
    )
    _workspace_lock(workspace.pk)
    last = (
        EscalationRule.objects.filter(workspace=workspace, deleted_at__isnull=True).aggregate(last=Max("position"))[
            "last"
        ]
        or 0
    )
    rule = EscalationRule.objects.create(
        workspace=workspace, position=last + 1, created_by=actor, updated_by=actor, **fields
    )
    _version_write(rule=rule, actor=actor, change=RuleChange.CREATED, before=None)
    _rules_changed(workspace.pk)
    return rule


@transaction.atomic
def rule_update(*, rule: EscalationRule, actor: User | None, **fields) -> EscalationRule:
    """Change any of name, priority, action, team, holding_message, conditions, enabled.
    Nothing changed, no version."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"rule_update() got unexpected fields: {', '.join(sorted(unknown))}")
    cleaned = _rule_fields_clean(fields)
    locked = _rule_lock(rule)
    before = rule_snapshot(locked)
    changed = [field for field, value in cleaned.items() if getattr(locked, field) != value]
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, cleaned[field])
    locked.updated_by, locked.updated_at = actor, timezone.now()
    locked.save(update_fields=[*changed, "updated_by", "updated_at"])
    if changed == ["enabled"]:
        change = RuleChange.ENABLED if locked.enabled else RuleChange.DISABLED
    else:
        change = RuleChange.UPDATED
    _version_write(rule=locked, actor=actor, change=change, before=before)
    _rules_changed(locked.workspace_id)
    return locked


def rule_set_enabled(*, rule: EscalationRule, actor: User | None, enabled: bool) -> EscalationRule:
    return rule_update(rule=rule, actor=actor, enabled=enabled)


@transaction.atomic
def rule_reorder(*, workspace: Workspace, actor: User | None, rule_ids: list[int]) -> list[EscalationRule]:
    """Put the workspace's rules in this order. ``rule_ids`` must name each rule that is not
    deleted exactly once. A version is written for each rule whose position changed."""
    _workspace_lock(workspace.pk)
    rules = {
        rule.pk: rule
        for rule in EscalationRule.objects.select_for_update().filter(workspace=workspace, deleted_at__isnull=True)
    }
    if len(rule_ids) != len(set(rule_ids)) or set(rule_ids) != set(rules):
        raise RuleInvalid("The new order must list every rule of the workspace exactly once.")
    now = timezone.now()
    ordered = []
    for position, rule_id in enumerate(rule_ids, start=1):
        rule = rules[rule_id]
        if rule.position != position:
            before = rule_snapshot(rule)
            rule.position, rule.updated_by, rule.updated_at = position, actor, now
            rule.save(update_fields=["position", "updated_by", "updated_at"])
            _version_write(rule=rule, actor=actor, change=RuleChange.MOVED, before=before)
        ordered.append(rule)
    _rules_changed(workspace.pk)
    return ordered


def rule_move(*, rule: EscalationRule, actor: User | None, direction: str) -> list[EscalationRule]:
    """One place up (evaluated earlier) or down."""
    if direction not in ("up", "down"):
        raise RuleInvalid("Move a rule up or down.")
    with transaction.atomic():
        _workspace_lock(rule.workspace_id)
        order = list(
            EscalationRule.objects.filter(workspace_id=rule.workspace_id, deleted_at__isnull=True)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        )
        if rule.pk not in order:
            raise EscalationError("This rule was deleted.", code="rule_deleted", status=404)
        index = order.index(rule.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
        return rule_reorder(workspace=rule.workspace, actor=actor, rule_ids=order)


@transaction.atomic
def rule_delete(*, rule: EscalationRule, actor: User | None) -> EscalationRule:
    """Marks the rule deleted: it no longer runs, but its versions and decisions stay, and the
    last version's snapshot is the rule as it was."""
    locked = _rule_lock(rule)
    before = rule_snapshot(locked)
    locked.deleted_at = locked.updated_at = timezone.now()
    locked.updated_by = actor
    locked.save(update_fields=["deleted_at", "updated_at", "updated_by"])
    _version_write(rule=locked, actor=actor, change=RuleChange.DELETED, before=before)
    _rules_changed(locked.workspace_id)
    return locked


def _rules_changed(workspace_id: int) -> None:
    broadcast_on_commit(workspace_group(workspace_id), {"type": "rules.updated"})


@transaction.atomic
def default_rules_create(*, workspace: Workspace) -> list[EscalationRule]:
    """The default rules (escalations/defaults.py) for a workspace that has never had rules."""
    if EscalationRule.objects.filter(workspace=workspace).exists():
        return []
    return [rule_create(workspace=workspace, actor=None, **rule) for rule in DEFAULT_RULES]

"""Rules are created, edited, reordered, enabled, disabled and deleted through services, and
every change leaves a version: who, when, a snapshot, and a sentence saying what changed."""

import pytest

from escalations import selectors, services
from escalations.defaults import DEFAULT_RULES
from escalations.errors import RuleInvalid
from escalations.models import EscalationRule, EscalationRuleVersion, RuleChange
from tests.factories import make_workspace

pytestmark = pytest.mark.django_db


def _rule(workspace, owner, **fields):
    defaults = {
        "name": "Chargebacks",
        "priority": 3,
        "action": "stop",
        "conditions": {"keywords": ["dispute"]},
    }
    return services.rule_create(workspace=workspace, actor=owner, **{**defaults, **fields})


def _names(workspace):
    return [rule.name for rule in selectors.rules_of(workspace=workspace)]


def test_a_new_workspace_starts_with_the_default_rules(workspace):
    assert _names(workspace) == [rule["name"] for rule in DEFAULT_RULES]
    legal, refund, human, technical = selectors.rules_of(workspace=workspace)
    assert (legal.priority, legal.action) == (1, "stop")
    assert (refund.priority, refund.action, refund.team) == (2, "route", "billing")
    assert refund.conditions["amount"]["over"] == 200
    assert (human.action, human.team) == ("route", "support")
    assert (technical.priority, technical.action, technical.conditions["turns_at_least"]) == (3, "offer", 6)
    first_version = legal.versions.get()
    assert first_version.change == RuleChange.CREATED
    assert first_version.changed_by is None
    assert first_version.summary.startswith("created: P1 stop when mentions lawyer")


def test_default_rules_are_created_once(workspace):
    assert services.default_rules_create(workspace=workspace) == []
    assert EscalationRule.objects.filter(workspace=workspace).count() == len(DEFAULT_RULES)


def test_create_puts_the_rule_last_and_writes_version_one(workspace, owner):
    rule = _rule(workspace, owner)
    assert rule.position == len(DEFAULT_RULES) + 1
    version = rule.versions.get()
    assert (version.number, version.change, version.changed_by) == (1, "created", owner)
    assert version.snapshot["conditions"] == {"keywords": ["dispute"]}
    assert version.summary == "created: P3 stop when mentions dispute"


def test_an_edit_says_what_changed(workspace, owner):
    rule = _rule(workspace, owner)
    services.rule_update(
        rule=rule,
        actor=owner,
        priority=2,
        conditions={"keywords": ["dispute", "chargeback"], "turns_at_least": 3},
    )
    version = rule.versions.order_by("-number").first()
    assert version.number == 2
    assert version.change == RuleChange.UPDATED
    assert version.summary == (
        "priority P3 → P2; keywords added: chargeback; turn limit added (3+ customer messages without a resolution)"
    )
    assert version.snapshot["priority"] == 2


def test_the_change_summary_covers_every_field(workspace, owner):
    rule = _rule(workspace, owner, conditions={"keywords": ["a", "b"], "amount": {"over": 200, "topics": ["refund"]}})
    services.rule_update(
        rule=rule,
        actor=owner,
        name="Disputes",
        action="route",
        team="billing",
        holding_message="Someone will look at it.",
        conditions={"keywords": ["b"], "amount": {"over": 300, "topics": ["refund", "credit"]}},
    )
    assert rule.versions.order_by("-number").first().summary == (
        "renamed “Chargebacks” → “Disputes”; action stop → route; team (none) → billing; holding message changed; "
        "keywords removed: a; amount over $200 → $300; amount topics added: credit"
    )


def test_saving_without_a_change_writes_no_version(workspace, owner):
    rule = _rule(workspace, owner)
    services.rule_update(rule=rule, actor=owner, name="Chargebacks", priority=3)
    assert rule.versions.count() == 1


def test_enable_and_disable_are_versioned(workspace, owner):
    rule = _rule(workspace, owner)
    services.rule_set_enabled(rule=rule, actor=owner, enabled=False)
    services.rule_set_enabled(rule=rule, actor=owner, enabled=True)
    changes = list(rule.versions.order_by("number").values_list("change", "summary"))
    assert changes[1:] == [("disabled", "disabled"), ("enabled", "enabled")]


def test_reorder_moves_rules_and_versions_each_moved_rule(workspace, owner):
    rules = list(selectors.rules_of(workspace=workspace))
    new_order = [rules[2].pk, rules[0].pk, rules[1].pk, rules[3].pk]
    services.rule_reorder(workspace=workspace, actor=owner, rule_ids=new_order)
    assert [rule.pk for rule in selectors.rules_of(workspace=workspace)] == new_order
    moved = EscalationRuleVersion.objects.filter(change=RuleChange.MOVED, changed_by=owner)
    assert sorted(version.summary for version in moved) == [
        "moved from position 1 to 2",
        "moved from position 2 to 3",
        "moved from position 3 to 1",
    ]
    assert not rules[3].versions.filter(change=RuleChange.MOVED).exists()


def test_move_up_and_down(workspace, owner):
    human = selectors.rules_of(workspace=workspace)[2]
    services.rule_move(rule=human, actor=owner, direction="up")
    assert _names(workspace)[1] == human.name
    services.rule_move(rule=human, actor=owner, direction="down")
    services.rule_move(rule=human, actor=owner, direction="down")
    assert _names(workspace)[-1] == human.name
    services.rule_move(rule=human, actor=owner, direction="down")  # already last: nothing moves
    assert _names(workspace)[-1] == human.name


def test_reorder_must_name_every_rule_once(workspace, owner, other_workspace):
    ids = [rule.pk for rule in selectors.rules_of(workspace=workspace)]
    foreign = selectors.rules_of(workspace=other_workspace).first().pk
    for bad in (ids[:-1], [*ids, ids[0]], [*ids[:-1], foreign]):
        with pytest.raises(RuleInvalid):
            services.rule_reorder(workspace=workspace, actor=owner, rule_ids=bad)


def test_delete_keeps_the_rule_and_its_history(workspace, owner):
    rule = _rule(workspace, owner)
    services.rule_delete(rule=rule, actor=owner)
    assert rule.name not in _names(workspace)
    rule.refresh_from_db()
    assert rule.deleted_at is not None
    last = rule.versions.order_by("-number").first()
    assert (last.change, last.summary, last.changed_by) == ("deleted", "deleted", owner)
    assert last.snapshot["deleted"] is True
    assert last.snapshot["name"] == "Chargebacks"


def test_invalid_rules_are_refused_with_sentences_per_field(workspace, owner):
    with pytest.raises(RuleInvalid) as error:
        _rule(workspace, owner, name=" ", priority=9, conditions={"patterns": ["(oops"]})
    assert error.value.errors["name"] == ["Give the rule a name."]
    assert error.value.errors["priority"] == ["The priority must be from P1 (most urgent) to P5."]
    assert error.value.errors["patterns"][0].startswith("The pattern “(oops” is not a valid regular expression")
    assert not EscalationRule.objects.filter(workspace=workspace, name=" ").exists()


def test_the_compiled_rules_follow_every_change(workspace, owner):
    def triggered(text):
        match = services.dry_run(workspace=workspace, text=text)
        return match.rule_name if match else None

    assert triggered("I will dispute this") is None
    rule = _rule(workspace, owner)
    assert triggered("I will dispute this") == "Chargebacks"
    services.rule_update(rule=rule, actor=owner, conditions={"keywords": ["contest"]})
    assert triggered("I will dispute this") is None
    assert triggered("I will contest this") == "Chargebacks"
    services.rule_set_enabled(rule=rule, actor=owner, enabled=False)
    assert triggered("I will contest this") is None
    services.rule_set_enabled(rule=rule, actor=owner, enabled=True)
    services.rule_delete(rule=rule, actor=owner)
    assert triggered("I will contest this") is None


def test_rules_of_another_workspace_never_run(workspace, owner):
    other = make_workspace()
    _rule(other, None, conditions={"keywords": ["banana"]})
    assert services.dry_run(workspace=workspace, text="banana") is None


def test_the_migration_gives_existing_workspaces_the_default_rules(workspace):
    import importlib

    from django.apps import apps

    EscalationRule.objects.filter(workspace=workspace).delete()
    migration = importlib.import_module("escalations.migrations.0002_default_rules")
    migration.create_default_rules(apps, None)
    migration.create_default_rules(apps, None)  # a second run adds nothing
    rules = list(selectors.rules_of(workspace=workspace))
    assert [rule.name for rule in rules] == [rule["name"] for rule in DEFAULT_RULES]
    assert [rule.position for rule in rules] == [1, 2, 3, 4]
    assert all(rule.versions.get().change == RuleChange.CREATED for rule in rules)


def test_a_rule_deleted_meanwhile_cannot_be_changed(workspace, owner):
    from escalations.errors import EscalationError

    rule = _rule(workspace, owner)
    stale = EscalationRule.objects.get(pk=rule.pk)
    services.rule_delete(rule=rule, actor=owner)
    for change in (
        lambda: services.rule_update(rule=stale, actor=owner, priority=1),
        lambda: services.rule_set_enabled(rule=stale, actor=owner, enabled=False),
        lambda: services.rule_delete(rule=stale, actor=owner),
        lambda: services.rule_move(rule=stale, actor=owner, direction="up"),
    ):
        with pytest.raises(EscalationError) as error:
            change()
        assert error.value.status == 404
    assert rule.versions.count() == 2

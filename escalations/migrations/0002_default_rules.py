"""The default rules for workspaces made before escalations existed (new workspaces get them
from escalations/signals.py), with a first version each, as ``rule_create`` writes them."""

from django.db import migrations
from django.utils import timezone


def create_default_rules(apps, schema_editor):
    from escalations.defaults import DEFAULT_RULES
    from escalations.engine import conditions_validate
    from escalations.versioning import rule_change_summary, rule_snapshot

    Workspace = apps.get_model("accounts", "Workspace")
    EscalationRule = apps.get_model("escalations", "EscalationRule")
    EscalationRuleVersion = apps.get_model("escalations", "EscalationRuleVersion")
    for workspace in Workspace.objects.exclude(escalation_rules__isnull=False):
        now = timezone.now()
        for position, fields in enumerate(DEFAULT_RULES, start=1):
            fields = {**fields, "conditions": conditions_validate(fields["conditions"])}
            rule = EscalationRule.objects.create(workspace=workspace, position=position, updated_at=now, **fields)
            snapshot = rule_snapshot(rule)
            EscalationRuleVersion.objects.create(
                rule=rule,
                number=1,
                change="created",
                summary=rule_change_summary(None, snapshot),
                snapshot=snapshot,
                changed_at=now,
            )


class Migration(migrations.Migration):
    dependencies = [("escalations", "0001_initial")]

    operations = [migrations.RunPython(create_default_rules, migrations.RunPython.noop)]

"""Every new workspace starts with the default escalation rules, as it starts with the default
prompt version (accounts cannot import escalations, hence a signal); a rule changed in this
process is in force at once."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Workspace
from escalations.models import EscalationRule


@receiver(post_save, sender=Workspace, dispatch_uid="escalations.seed_default_rules")
def seed_default_rules(sender, instance: Workspace, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from escalations.services import default_rules_create

        default_rules_create(workspace=instance)


@receiver(post_save, sender=EscalationRule, dispatch_uid="escalations.rules_changed")
@receiver(post_delete, sender=EscalationRule, dispatch_uid="escalations.rules_deleted")
def rules_changed(sender, instance: EscalationRule, **kwargs) -> None:
    """A rule changed in this process is in force in this process at once."""
    from escalations.selectors import rules_stamp_forget

    rules_stamp_forget(workspace_id=instance.workspace_id)

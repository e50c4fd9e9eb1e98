"""Every new workspace starts with the default escalation rules, as it starts with the default
prompt version. (accounts cannot import escalations, hence a signal.)"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Workspace


@receiver(post_save, sender=Workspace, dispatch_uid="escalations.seed_default_rules")
def seed_default_rules(sender, instance: Workspace, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from escalations.services import default_rules_create

        default_rules_create(workspace=instance)

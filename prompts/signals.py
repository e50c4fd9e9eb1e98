"""Every new workspace starts with the default prompt version, so its assistant can answer
from day one. (accounts cannot import prompts, hence a signal.)"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Workspace


@receiver(post_save, sender=Workspace, dispatch_uid="prompts.seed_default_version")
def seed_default_prompt_version(sender, instance: Workspace, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from prompts.services import prompt_version_seed_default

        prompt_version_seed_default(workspace=instance)

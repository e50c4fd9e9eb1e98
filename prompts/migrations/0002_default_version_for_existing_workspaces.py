"""Workspaces created before prompts existed get the default version, active."""

from django.db import migrations
from django.utils import timezone


def seed_default_versions(apps, schema_editor):
    from prompts.defaults import default_version_fields

    Workspace = apps.get_model("accounts", "Workspace")
    PromptVersion = apps.get_model("prompts", "PromptVersion")
    for workspace in Workspace.objects.filter(prompt_versions__isnull=True):
        PromptVersion.objects.create(
            workspace=workspace,
            number=1,
            is_active=True,
            activated_at=timezone.now(),
            **default_version_fields(company=workspace.name),
        )


class Migration(migrations.Migration):
    dependencies = [("prompts", "0001_initial")]

    operations = [migrations.RunPython(seed_default_versions, migrations.RunPython.noop)]

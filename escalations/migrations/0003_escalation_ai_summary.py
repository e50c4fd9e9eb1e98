"""The AI handoff summary: which kind of summary agents read (extractive or the model's), the
model that wrote it and when, and the extractive summary kept beside it. Escalations opened
before this have only their extractive summary, which is what ``summary`` holds."""

from django.db import migrations, models
from django.db.models import F


def keep_the_extractive_summary(apps, schema_editor):
    Escalation = apps.get_model("escalations", "Escalation")
    Escalation.objects.update(extractive_summary=F("summary"))


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0002_default_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalation",
            name="extractive_summary",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="escalation",
            name="summary_generated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="escalation",
            name="summary_model",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="escalation",
            name="summary_provider",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="escalation",
            name="summary_source",
            field=models.CharField(
                choices=[("extractive", "Extractive (no model)"), ("ai", "AI")], default="extractive", max_length=16
            ),
        ),
        migrations.RunPython(keep_the_extractive_summary, migrations.RunPython.noop),
    ]

import django.db.models.deletion
from django.db import migrations, models


def attachments_take_their_workspace(apps, schema_editor):
    Attachment = apps.get_model("conversations", "Attachment")
    for attachment in Attachment.objects.filter(workspace__isnull=True).select_related("message"):
        attachment.workspace_id = attachment.message.workspace_id
        attachment.save(update_fields=["workspace"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_workspace_widget"),
        ("conversations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="visitor_id",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                condition=models.Q(("visitor_id", ""), _negated=True),
                fields=("workspace", "visitor_id"),
                name="contact_visitor_id_unique",
            ),
        ),
        migrations.AddField(
            model_name="attachment",
            name="contact",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attachments",
                to="conversations.contact",
            ),
        ),
        migrations.AddField(
            model_name="attachment",
            name="workspace",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace"
            ),
        ),
        migrations.RunPython(attachments_take_their_workspace, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="attachment",
            name="workspace",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace"
            ),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attachments",
                to="conversations.message",
            ),
        ),
    ]

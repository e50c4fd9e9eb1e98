import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    """History search: a GIN index on the messages' full-text vector (the expression
    ``conversations.models.MESSAGE_SEARCH_VECTOR``); and the ``conversation_updated`` event."""

    dependencies = [
        ("conversations", "0002_chat_transport"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="type",
            field=models.CharField(
                choices=[
                    ("conversation_started", "Conversation Started"),
                    ("message_sent", "Message Sent"),
                    ("response_received", "Response Received"),
                    ("conversation_escalated", "Conversation Escalated"),
                    ("conversation_resolved", "Conversation Resolved"),
                    ("conversation_reopened", "Conversation Reopened"),
                    ("conversation_closed", "Conversation Closed"),
                    ("csat_received", "Csat Received"),
                    ("conversation_updated", "Conversation Updated"),
                ],
                max_length=40,
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector("text", config="english"), name="message_text_search_gin"
            ),
        ),
    ]

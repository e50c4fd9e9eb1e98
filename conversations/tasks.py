"""Periodic housekeeping for conversations (chatassist/settings.py: CELERY_BEAT_SCHEDULE)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from conversations.models import Attachment


@shared_task
def attachments_unattached_purge() -> int:
    """Delete uploads that were never sent with a message within ``CHAT_UNATTACHED_UPLOAD_HOURS``:
    anyone with a public key can upload, and nothing else would ever remove them."""
    cutoff = timezone.now() - timedelta(hours=settings.CHAT_UNATTACHED_UPLOAD_HOURS)
    deleted, _ = Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff).delete()
    return deleted

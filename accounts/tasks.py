from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Invitation

PURGE_AFTER = timedelta(days=30)


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, retry_jitter=True, max_retries=6)
def invitation_send(invitation_id: int) -> None:
    """E-mail the invitation link; nothing to do if it is no longer pending."""
    invitation = Invitation.objects.select_related("workspace", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return
    context = {"invitation": invitation, "link": settings.PUBLIC_URL + invitation.path}
    send_mail(
        subject=f"You are invited to {invitation.workspace.name} on ChatAssist",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@shared_task
def invitations_purge() -> int:
    """Delete invitations that expired or were revoked more than 30 days ago."""
    cutoff = timezone.now() - PURGE_AFTER
    expired = Invitation.objects.filter(accepted_at__isnull=True, expires_at__lt=cutoff)
    revoked = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__lt=cutoff)
    deleted, _ = (expired | revoked).delete()
    return deleted

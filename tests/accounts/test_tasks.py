"""Invitation e-mail goes through a real Celery worker on the real Redis broker."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Role
from accounts.tasks import invitations_purge
from chatassist.celery import app
from tests.factories import make_invitation


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_delivered_by_a_worker(workspace, owner):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        services.invitation_create(workspace=workspace, invited_by=owner, email="queued@example.com", role=Role.AGENT)
        deadline = time.monotonic() + 15
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [message.to for message in mail.outbox] == [["queued@example.com"]]
    assert "/join/" in mail.outbox[0].body


@pytest.mark.django_db
def test_no_email_for_an_invitation_revoked_before_delivery(workspace):
    from accounts.tasks import invitation_send

    invitation = make_invitation(workspace=workspace)
    services.invitation_revoke(invitation=invitation)
    invitation_send(invitation.pk)
    invitation_send(999_999)  # deleted meanwhile: nothing to do, no error
    assert mail.outbox == []


@pytest.mark.django_db
def test_purge_removes_only_long_dead_invitations(workspace):
    long_ago = timezone.now() - timedelta(days=40)
    expired = make_invitation(workspace=workspace)
    revoked = make_invitation(workspace=workspace)
    pending = make_invitation(workspace=workspace)
    recently_expired = make_invitation(workspace=workspace)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=long_ago)
    Invitation.objects.filter(pk=revoked.pk).update(revoked_at=long_ago)
    Invitation.objects.filter(pk=recently_expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert invitations_purge() == 2
    assert set(Invitation.objects.values_list("pk", flat=True)) == {pending.pk, recently_expired.pk}

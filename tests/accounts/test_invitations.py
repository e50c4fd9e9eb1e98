"""Invitations: an expiring, single-use link for one address, within the seat limit.
Every refusal is a clear sentence, and a refused link changes nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role, User
from accounts.tasks import invitation_send
from tests.conftest import logged_in
from tests.factories import make_invitation, make_member, make_user


def accept_url(invitation: Invitation, slug: str | None = None) -> str:
    return reverse("invitation_accept", args=[slug or invitation.workspace.slug, invitation.token])


def test_invite_from_team_page_creates_pending_invitation(owner_client, workspace):
    response = owner_client.post(
        reverse("team_invite", args=[workspace.slug]), {"email": "New.Person@Example.com", "role": Role.VIEWER}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(workspace=workspace)
    assert (invitation.email, invitation.role, invitation.is_pending) == ("new.person@example.com", Role.VIEWER, True)
    page = owner_client.get(reverse("team", args=[workspace.slug])).content.decode()
    assert "new.person@example.com" in page


def test_invitation_email_carries_a_working_link(client, workspace):
    invitation = make_invitation(workspace=workspace, email="mail@example.com")
    invitation_send(invitation.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mail@example.com"]
    assert workspace.name in message.subject
    link = next(line for line in message.body.splitlines() if "/join/" in line).strip()
    assert link == "http://testserver" + accept_url(invitation)
    assert client.get(link.removeprefix("http://testserver")).status_code == 200


def test_token_is_stored_hashed_and_encrypted(workspace):
    from django.db import connection

    invitation = make_invitation(workspace=workspace)
    with connection.cursor() as cursor:
        cursor.execute("SELECT token, token_hash FROM accounts_invitation WHERE id = %s", [invitation.pk])
        stored_token, stored_hash = cursor.fetchone()
    assert invitation.token not in stored_token
    assert invitation.token not in stored_hash


def test_logged_in_invitee_accepts_and_gets_the_role(workspace):
    invitee = make_user(email="invitee@example.com")
    invitation = make_invitation(workspace=workspace, email="invitee@example.com", role=Role.VIEWER)
    response = logged_in(invitee).post(accept_url(invitation))
    assert response.status_code == 302
    assert response.url == reverse("dashboard", args=[workspace.slug])
    assert Membership.objects.get(workspace=workspace, user=invitee).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee


def test_new_person_signs_up_through_the_link(client, workspace):
    invitation = make_invitation(workspace=workspace, email="fresh@example.com")
    response = client.post(accept_url(invitation), {"name": "Fresh Face", "password": "a long enough passphrase"})
    assert response.status_code == 302
    user = User.objects.get(email="fresh@example.com")
    assert Membership.objects.filter(workspace=workspace, user=user, role=Role.AGENT).exists()
    assert client.get(reverse("dashboard", args=[workspace.slug])).status_code == 200


def test_sign_up_through_link_with_weak_password_is_refused(client, workspace):
    invitation = make_invitation(workspace=workspace, email="weak@example.com")
    response = client.post(accept_url(invitation), {"name": "Weak", "password": "123"})
    assert response.status_code == 422
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="weak@example.com").exists()
    assert Invitation.objects.get(pk=invitation.pk).is_pending


def test_existing_account_is_asked_to_log_in(client, workspace):
    make_user(email="known@example.com")
    invitation = make_invitation(workspace=workspace, email="known@example.com")
    page = client.get(accept_url(invitation)).content.decode()
    assert "Log in to accept" in page
    response = client.post(accept_url(invitation), {"name": "X", "password": "a long enough passphrase"})
    assert not Membership.objects.filter(workspace=workspace, user__email="known@example.com").exists()
    assert response.status_code == 200


def test_reused_link_fails(workspace):
    invitee = make_user(email="twice@example.com")
    invitation = make_invitation(workspace=workspace, email="twice@example.com")
    client = logged_in(invitee)
    assert client.post(accept_url(invitation)).status_code == 302
    response = client.post(accept_url(invitation))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert Membership.objects.filter(workspace=workspace, user=invitee).count() == 1


def test_expired_link_fails(workspace):
    invitee = make_user(email="late@example.com")
    invitation = make_invitation(workspace=workspace, email="late@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = logged_in(invitee).post(accept_url(invitation))
    assert response.status_code == 410
    assert "has expired" in response.content.decode()
    assert not Membership.objects.filter(workspace=workspace, user=invitee).exists()


def test_revoked_link_fails(owner_client, workspace):
    invitee = make_user(email="revoked@example.com")
    invitation = make_invitation(workspace=workspace, email="revoked@example.com")
    owner_client.post(reverse("invitation_revoke", args=[workspace.slug, invitation.pk]))
    response = logged_in(invitee).post(accept_url(invitation))
    assert response.status_code == 410
    assert "revoked" in response.content.decode()


def test_link_under_another_workspace_fails(workspace, other_workspace):
    invitee = make_user(email="wrongplace@example.com")
    invitation = make_invitation(workspace=workspace, email="wrongplace@example.com")
    response = logged_in(invitee).post(accept_url(invitation, slug=other_workspace.slug))
    assert response.status_code == 410
    assert "does not belong to that workspace" in response.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()


def test_unknown_token_fails(client, workspace):
    response = client.get(reverse("invitation_accept", args=[workspace.slug, "not-a-real-token"]))
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_link_for_another_address_fails(workspace):
    intruder = make_user(email="intruder@example.com")
    invitation = make_invitation(workspace=workspace, email="intended@example.com")
    response = logged_in(intruder).post(accept_url(invitation))
    assert response.status_code == 409
    assert "sent to intended@example.com" in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).is_pending


def test_inviting_beyond_the_seat_limit_is_refused(owner_client, workspace, owner):
    workspace.seat_limit = 2
    workspace.save()
    make_invitation(workspace=workspace)  # owner + one pending invitation = 2 seats
    response = owner_client.post(
        reverse("team_invite", args=[workspace.slug]),
        {"email": "third@example.com", "role": Role.AGENT},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "All 2 seats" in response.content.decode()
    assert not Invitation.objects.filter(email="third@example.com").exists()


def test_accepting_when_seats_filled_meanwhile_is_refused(workspace, owner):
    invitee = make_user(email="overseat@example.com")
    invitation = make_invitation(workspace=workspace, email="overseat@example.com")
    workspace.seat_limit = 1  # lowered by the operator after the invitation went out
    workspace.save()
    response = logged_in(invitee).post(accept_url(invitation))
    assert response.status_code == 409
    assert "no free seat" in response.content.decode()
    assert not Membership.objects.filter(workspace=workspace, user=invitee).exists()
    assert Invitation.objects.get(pk=invitation.pk).is_pending


def test_inviting_a_member_or_a_pending_address_twice_is_refused(workspace, owner):
    member = make_member(workspace=workspace).user
    with pytest.raises(services.AlreadyMember, match="already a member"):
        services.invitation_create(workspace=workspace, invited_by=owner, email=member.email.upper(), role=Role.AGENT)
    make_invitation(workspace=workspace, email="pending@example.com")
    with pytest.raises(services.AlreadyMember, match="pending invitation"):
        services.invitation_create(workspace=workspace, invited_by=owner, email="pending@example.com", role=Role.AGENT)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address", "role": Role.AGENT}, "Enter a valid email address."),
        ({"email": "x@example.com", "role": "owner"}, "Select a valid choice."),
        ({"email": "", "role": Role.AGENT}, "This field is required."),
    ],
)
def test_invite_form_rejects_bad_input(owner_client, workspace, data, message):
    response = owner_client.post(reverse("team_invite", args=[workspace.slug]), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Invitation.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        ({"email": "nope", "role": "agent"}, "invalid", "email: Enter a valid email address."),
        ({"email": "a@example.com", "role": "boss"}, "invalid", 'role: "boss" is not a valid choice.'),
        ({}, "invalid", "email: This field is required."),
    ],
)
def test_invitation_api_rejects_bad_input(client, workspace, api_key_for_role, body, code, detail):
    from tests.conftest import bearer

    response = client.post(
        reverse("api_invitations"), data=body, content_type="application/json", **bearer(api_key_for_role(Role.ADMIN))
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"] == detail


def test_invitation_api_refuses_over_seat_with_code(client, workspace, api_key_for_role):
    from tests.conftest import bearer

    workspace.seat_limit = 0
    workspace.save()
    response = client.post(
        reverse("api_invitations"),
        data={"email": "a@example.com", "role": "agent"},
        content_type="application/json",
        **bearer(api_key_for_role(Role.ADMIN)),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "seat_limit_reached"

"""Writes for accounts: sign-up, workspaces, team, invitations, API keys.

Every function is keyword-only, atomic, and raises an ``AccountsError`` for a request that
cannot be honoured; callers turn that into a clear 4xx."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts import selectors
from accounts.errors import AlreadyMember, InvitationInvalid, LastAdmin, SeatLimitReached
from accounts.models import ApiKey, Invitation, Membership, Role, User, Workspace, hash_token, normalize_email
from accounts.realtime import broadcast_on_commit, membership_group, workspace_group


def _team_changed(workspace: Workspace, *, membership_id: int | None = None) -> None:
    broadcast_on_commit(workspace_group(workspace.pk), {"type": "team.updated"})
    if membership_id is not None:
        broadcast_on_commit(membership_group(membership_id), {"type": "membership.changed"})


@transaction.atomic
def workspace_create(*, name: str, owner: User) -> Workspace:
    """A new workspace with ``owner`` as its first admin."""
    base = slugify(name)[:50] or "workspace"
    slug = base
    while Workspace.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    workspace = Workspace.objects.create(name=name.strip(), slug=slug)
    Membership.objects.create(workspace=workspace, user=owner, role=Role.ADMIN)
    return workspace


@transaction.atomic
def user_sign_up(*, email: str, password: str, name: str, workspace_name: str) -> Membership:
    """Create a user, their workspace and their admin membership."""
    email = normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise AlreadyMember("An account with this e-mail address already exists; log in instead.", code="email_taken")
    user = User.objects.create_user(email=email, password=password, name=name.strip())
    workspace = workspace_create(name=workspace_name, owner=user)
    return Membership.objects.get(workspace=workspace, user=user)


@transaction.atomic
def workspace_update(*, workspace: Workspace, name: str, allowed_origins: list[str]) -> Workspace:
    workspace.name = name.strip()
    workspace.allowed_origins = allowed_origins
    workspace.save(update_fields=["name", "allowed_origins"])
    return workspace


@transaction.atomic
def workspace_update_widget(
    *,
    workspace: Workspace,
    widget_color: str,
    widget_language: str,
    widget_welcome_message: str,
    widget_suggestions: list[str],
    widget_show_branding: bool,
) -> Workspace:
    """The widget's look and greeting; widgets pick it up from /api/chat/config on their next load."""
    workspace.widget_color = widget_color
    workspace.widget_language = widget_language
    workspace.widget_welcome_message = widget_welcome_message.strip()
    workspace.widget_suggestions = widget_suggestions
    workspace.widget_show_branding = widget_show_branding
    workspace.full_clean(
        exclude=[field.name for field in Workspace._meta.fields if not field.name.startswith("widget_")]
    )
    workspace.save(
        update_fields=[
            "widget_color",
            "widget_language",
            "widget_welcome_message",
            "widget_suggestions",
            "widget_show_branding",
        ]
    )
    return workspace


BUSINESS_HOURS_FIELDS = (
    "business_hours_enabled",
    "timezone",
    "business_hours",
    "after_hours_message",
    "human_reply_expectation_minutes",
)


@transaction.atomic
def workspace_update_business_hours(
    *,
    workspace: Workspace,
    business_hours_enabled: bool,
    timezone: str,
    business_hours: list[list[list[str]]],
    after_hours_message: str,
    human_reply_expectation_minutes: int,
) -> Workspace:
    """When a person can answer, and what customers are told outside those hours.

    ``business_hours`` is the stored shape (accounts/business_hours.py); the fields are checked
    with the model's validators, so a bad zone or schedule raises ``ValidationError`` and
    nothing is saved."""
    workspace.business_hours_enabled = business_hours_enabled
    workspace.timezone = timezone
    workspace.business_hours = business_hours
    workspace.after_hours_message = after_hours_message.strip()
    workspace.human_reply_expectation_minutes = human_reply_expectation_minutes
    workspace.full_clean(
        exclude=[field.name for field in Workspace._meta.fields if field.name not in BUSINESS_HOURS_FIELDS]
    )
    workspace.save(update_fields=list(BUSINESS_HOURS_FIELDS))
    return workspace


@transaction.atomic
def workspace_rotate_identity_secret(*, workspace: Workspace) -> Workspace:
    """A new identity-verification secret; identities signed with the old one stop verifying."""
    from accounts.models import generate_identity_secret

    workspace.identity_secret = generate_identity_secret()
    workspace.save(update_fields=["identity_secret"])
    return workspace


def _lock_workspace(workspace: Workspace) -> Workspace:
    # Seat counting and last-admin checks must not race with each other.
    return Workspace.objects.select_for_update().get(pk=workspace.pk)


@transaction.atomic
def invitation_create(*, workspace: Workspace, invited_by: User, email: str, role: str) -> Invitation:
    """Invite ``email`` with ``role``. Pending invitations hold a seat until they expire."""
    workspace = _lock_workspace(workspace)
    email = normalize_email(email)
    if Membership.objects.filter(workspace=workspace, user__email=email).exists():
        raise AlreadyMember(f"{email} is already a member of {workspace.name}.")
    pending = selectors.invitations_pending(workspace=workspace).filter(email=email)
    if pending.exists():
        raise AlreadyMember(f"{email} already has a pending invitation; re-send or revoke it.", code="already_invited")
    if selectors.seats_used(workspace=workspace) >= workspace.seat_limit:
        raise SeatLimitReached(
            f"All {workspace.seat_limit} seats of {workspace.name} are taken (members and pending invitations). "
            "Remove a member or revoke an invitation first."
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        workspace=workspace, email=email, role=role, token=token, token_hash=hash_token(token), invited_by=invited_by
    )
    _invitation_send_on_commit(invitation)
    _team_changed(workspace)
    return invitation


def _invitation_send_on_commit(invitation: Invitation) -> None:
    from accounts.tasks import invitation_send

    transaction.on_commit(lambda: invitation_send.delay(invitation.pk))


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> Invitation:
    if not invitation.is_pending:
        raise InvitationInvalid(f"This invitation is {invitation.status}; send a new one instead.")
    _invitation_send_on_commit(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.is_pending:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        _team_changed(invitation.workspace)
    return invitation


def invitation_for_token(*, workspace_slug: str, token: str) -> Invitation:
    """The pending invitation behind a link, or InvitationInvalid saying why not."""
    invitation = Invitation.objects.select_related("workspace").filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise InvitationInvalid("This invitation link is not valid. Ask an admin of the workspace for a new one.")
    if invitation.workspace.slug != workspace_slug:
        raise InvitationInvalid(
            "This invitation link does not belong to that workspace. Use the link exactly as it was sent.",
            code="invitation_wrong_workspace",
        )
    if invitation.accepted_at:
        raise InvitationInvalid("This invitation has already been used. Log in instead.", code="invitation_used")
    if invitation.revoked_at:
        raise InvitationInvalid("This invitation was revoked by an admin.", code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            "This invitation has expired. Ask an admin of the workspace to send a new one.", code="invitation_expired"
        )
    return invitation


@transaction.atomic
def invitation_accept(*, workspace_slug: str, token: str, user: User) -> Membership:
    """Make ``user`` a member. The link works once, before it expires, for its own address."""
    invitation = invitation_for_token(workspace_slug=workspace_slug, token=token)
    # Lock the invitation row: two clicks of one link must not make two members.
    invitation = Invitation.objects.select_for_update().select_related("workspace").get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationInvalid("This invitation has already been used. Log in instead.", code="invitation_used")
    if normalize_email(user.email) != invitation.email:
        raise InvitationInvalid(
            f"This invitation was sent to {invitation.email}; log in with that address to accept it.",
            code="invitation_wrong_email",
        )
    workspace = _lock_workspace(invitation.workspace)
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise AlreadyMember(f"You are already a member of {workspace.name}.")
    members = Membership.objects.filter(workspace=workspace).count()
    if members >= workspace.seat_limit:
        raise SeatLimitReached(
            f"{workspace.name} has no free seat (limit {workspace.seat_limit}). Ask an admin to free one."
        )
    try:
        membership = Membership.objects.create(workspace=workspace, user=user, role=invitation.role)
    except IntegrityError as error:  # pragma: no cover - guarded above, kept for safety
        raise AlreadyMember(f"You are already a member of {workspace.name}.") from error
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _team_changed(workspace)
    return membership


@transaction.atomic
def invitation_accept_with_signup(*, workspace_slug: str, token: str, name: str, password: str) -> Membership:
    """Accept as a new user: the account is created for the invited address."""
    invitation = invitation_for_token(workspace_slug=workspace_slug, token=token)
    if User.objects.filter(email=invitation.email).exists():
        raise AlreadyMember(f"An account for {invitation.email} already exists; log in to accept.", code="email_taken")
    user = User.objects.create_user(email=invitation.email, password=password, name=name.strip())
    return invitation_accept(workspace_slug=workspace_slug, token=token, user=user)


def _ensure_an_admin_remains(*, workspace: Workspace, leaving: Membership) -> None:
    admins = Membership.objects.filter(workspace=workspace, role=Role.ADMIN).exclude(pk=leaving.pk)
    if leaving.role == Role.ADMIN and not admins.exists():
        raise LastAdmin(f"{workspace.name} needs at least one admin. Make someone else an admin first.")


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    workspace = _lock_workspace(membership.workspace)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role != Role.ADMIN:
        _ensure_an_admin_remains(workspace=workspace, leaving=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    _team_changed(workspace, membership_id=membership.pk)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    workspace = _lock_workspace(membership.workspace)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _ensure_an_admin_remains(workspace=workspace, leaving=membership)
    membership_id = membership.pk
    membership.delete()
    _team_changed(workspace, membership_id=membership_id)


@transaction.atomic
def api_key_create(*, workspace: Workspace, created_by: User | None, name: str, role: str) -> tuple[ApiKey, str]:
    """Return the key and its raw secret. The raw secret exists only in this return value."""
    prefix = ApiKey.PREFIX + secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = ApiKey.PREFIX + secrets.token_hex(4)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        workspace=workspace,
        name=name.strip(),
        role=role,
        prefix=prefix,
        secret_hash=hash_token(raw),
        last_four=raw[-4:],
        created_by=created_by,
    )
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key

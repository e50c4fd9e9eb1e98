"""Reads for accounts, always scoped to a workspace or a user."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiKey, Invitation, Membership, User, Workspace


def workspaces_for_user(*, user: User) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")


def members_of(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at", "pk")


def invitations_pending(*, workspace: Workspace) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by", "workspace")


def seats_used(*, workspace: Workspace) -> int:
    """Members plus pending invitations: an invitation holds its seat until it expires."""
    return members_of(workspace=workspace).count() + invitations_pending(workspace=workspace).count()


def api_keys_of(*, workspace: Workspace) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(workspace=workspace).select_related("created_by")

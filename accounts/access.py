"""Looking things up for the person or key that asks.

Every helper answers 404 for "missing" and for "not yours" alike, so that ids of another
workspace reveal nothing; a member whose role does not allow an action gets 403."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import ApiKey, Invitation, Membership, User, Workspace

LAST_WORKSPACE_SESSION_KEY = "last_workspace_slug"


def membership_for(user: User, workspace_slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("workspace", "user").filter(user=user, workspace__slug=workspace_slug).first()
    )
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def require(actor: Membership | ApiKey, permission: str) -> None:
    """403 unless the actor's role has ``permission`` (a property such as ``can_manage_team``)."""
    if not getattr(actor, permission):
        raise PermissionDenied(f"Your role ({actor.get_role_display()}) does not allow this.")


def member_for(workspace: Workspace, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user", "workspace").filter(workspace=workspace, pk=membership_id).first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


def invitation_for(workspace: Workspace, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.select_related("workspace").filter(workspace=workspace, pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def api_key_for(workspace: Workspace, api_key_id: int) -> ApiKey:
    api_key = ApiKey.objects.filter(workspace=workspace, pk=api_key_id).first()
    if api_key is None:
        raise Http404("No such API key.")
    return api_key


def workspace_view(permission: str = "can_view_workspace"):
    """For console views taking ``workspace_slug``: log-in required, 404 unless a member,
    403 unless the role has ``permission``. Sets ``request.workspace`` and
    ``request.membership`` and remembers the workspace for the next visit."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, workspace_slug, *args, **kwargs):
            membership = membership_for(request.user, workspace_slug)
            require(membership, permission)
            request.membership = membership
            request.workspace = membership.workspace
            request.session[LAST_WORKSPACE_SESSION_KEY] = workspace_slug
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

"""The Team page: members and their roles, invitations, seats."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import access, selectors, services
from accounts.access import workspace_view
from accounts.errors import AccountsError
from accounts.forms import InvitationForm, RoleForm
from accounts.models import Role


def _team_section(request, *, invite_form=None, error=None, notice=None, status=200):
    """The section every team action re-renders: htmx swaps it, a plain POST redirects."""
    if request.method == "POST" and not request.htmx and status < 400:
        if notice:
            messages.success(request, notice)
        return redirect("team", workspace_slug=request.workspace.slug)
    workspace = request.workspace
    context = {
        "members": selectors.members_of(workspace=workspace),
        "invitations": selectors.invitations_pending(workspace=workspace),
        "seats_used": selectors.seats_used(workspace=workspace),
        "invite_form": invite_form or InvitationForm(),
        "error": error,
        "notice": notice,
        "roles": RoleForm.base_fields["role"].choices,
    }
    template = "accounts/partials/team_section.html" if request.htmx else "accounts/team.html"
    return render(request, template, context, status=status)


@require_GET
@workspace_view()
def team(request):
    return _team_section(request)


@require_POST
@workspace_view("can_manage_team")
def team_invite(request):
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _team_section(request, invite_form=form, status=422)
    try:
        invitation = services.invitation_create(
            workspace=request.workspace, invited_by=request.user, **form.cleaned_data
        )
    except AccountsError as error:
        return _team_section(request, invite_form=form, error=error.message, status=409)
    return _team_section(request, notice=f"Invitation sent to {invitation.email}.")


@require_POST
@workspace_view("can_manage_team")
def member_change_role(request, membership_id: int):
    membership = access.member_for(request.workspace, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _team_section(request, error="Choose one of the roles: admin, agent or viewer.", status=422)
    try:
        services.membership_change_role(membership=membership, role=form.cleaned_data["role"])
    except AccountsError as error:
        return _team_section(request, error=error.message, status=409)
    role_label = Role(form.cleaned_data["role"]).label.lower()
    return _team_section(request, notice=f"{membership.user.display_name} is now {role_label}.")


@require_POST
@workspace_view("can_manage_team")
def member_remove(request, membership_id: int):
    membership = access.member_for(request.workspace, membership_id)
    try:
        services.membership_remove(membership=membership)
    except AccountsError as error:
        return _team_section(request, error=error.message, status=409)
    if membership.user_id == request.user.pk:
        messages.info(request, f"You left {request.workspace.name}.")
        response = redirect("home")
        response["HX-Redirect"] = response.url
        return response
    return _team_section(request, notice=f"{membership.user.display_name} was removed.")


@require_POST
@workspace_view("can_manage_team")
def invitation_revoke(request, invitation_id: int):
    invitation = services.invitation_revoke(invitation=access.invitation_for(request.workspace, invitation_id))
    return _team_section(request, notice=f"The invitation for {invitation.email} was revoked.")


@require_POST
@workspace_view("can_manage_team")
def invitation_resend(request, invitation_id: int):
    invitation = access.invitation_for(request.workspace, invitation_id)
    try:
        services.invitation_resend(invitation=invitation)
    except AccountsError as error:
        return _team_section(request, error=error.message, status=409)
    return _team_section(request, notice=f"The invitation was sent to {invitation.email} again.")

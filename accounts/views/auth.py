"""Sign-up, log-in, the landing redirect, new workspaces and accepting invitations."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.access import LAST_WORKSPACE_SESSION_KEY
from accounts.errors import AccountsError
from accounts.forms import AcceptWithSignUpForm, EmailAuthenticationForm, SignUpForm, WorkspaceCreateForm
from accounts.models import User
from accounts.selectors import memberships_for_user


class EmailLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, allow_sign_up=settings.ALLOW_SIGN_UP)


def _sign_up_closed(request):
    """ALLOW_SIGN_UP is off: new workspaces come from the operator, people from invitations."""
    return render(request, "accounts/sign_up_closed.html", status=403)


def home(request):
    """The last workspace this person used, else their first, else the page to create one."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = list(memberships_for_user(user=request.user))
    if not memberships:
        return redirect("workspace_create")
    last = request.session.get(LAST_WORKSPACE_SESSION_KEY)
    slugs = [membership.workspace.slug for membership in memberships]
    return redirect("dashboard", workspace_slug=last if last in slugs else slugs[0])


@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    if not settings.ALLOW_SIGN_UP:
        return _sign_up_closed(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.user_sign_up(**form.cleaned_data)
        except AccountsError as error:
            form.add_error("email", error.message)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("dashboard", workspace_slug=membership.workspace.slug)
    status = 422 if form.errors else 200
    return render(request, "accounts/sign_up.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request):
    if not (settings.ALLOW_SIGN_UP or request.user.is_staff):
        return _sign_up_closed(request)
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.workspace_create(name=form.cleaned_data["name"], owner=request.user)
        messages.success(request, f"{workspace.name} is ready. Invite your team next.")
        return redirect("dashboard", workspace_slug=workspace.slug)
    return render(request, "accounts/workspace_create.html", {"form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, workspace_slug: str, token: str):
    """One link for everyone: a logged-in invitee joins, a new person signs up, someone with
    an account is asked to log in; every refusal says why."""
    try:
        invitation = services.invitation_for_token(workspace_slug=workspace_slug, token=token)
    except AccountsError as error:
        return render(request, "accounts/invitation_invalid.html", {"error": error}, status=410)

    user = request.user
    account_exists = User.objects.filter(email=invitation.email).exists()
    form = AcceptWithSignUpForm(request.POST or None) if not user.is_authenticated and not account_exists else None
    error = None
    if request.method == "POST":
        try:
            if user.is_authenticated:
                membership = services.invitation_accept(workspace_slug=workspace_slug, token=token, user=user)
            elif form is not None and form.is_valid():
                membership = services.invitation_accept_with_signup(
                    workspace_slug=workspace_slug, token=token, **form.cleaned_data
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except AccountsError as exc:
            error = exc
        else:
            if membership is not None:
                messages.success(request, f"Welcome to {membership.workspace.name}.")
                return redirect("dashboard", workspace_slug=membership.workspace.slug)
    context = {
        "invitation": invitation,
        "form": form,
        "error": error,
        "account_exists": account_exists,
        "login_url": f"{reverse('login')}?next={request.path}",
    }
    status = 409 if error else (422 if form is not None and form.errors else 200)
    return render(request, "accounts/invitation_accept.html", context, status=status)

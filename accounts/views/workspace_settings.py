"""Workspace settings: name, widget origins, the widget's look, business hours, the identity
secret and API keys."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access, business_hours, selectors, services
from accounts.access import workspace_view
from accounts.encryption import SecretUnavailable
from accounts.forms import ApiKeyForm, BusinessHoursForm, WidgetSettingsForm, WorkspaceSettingsForm


def _widget_form(workspace) -> WidgetSettingsForm:
    return WidgetSettingsForm(
        initial={
            "widget_color": workspace.widget_color,
            "widget_language": workspace.widget_language,
            "widget_welcome_message": workspace.widget_welcome_message,
            "widget_suggestions": "\n".join(workspace.widget_suggestions),
            "widget_show_branding": workspace.widget_show_branding,
        }
    )


def _opening_status(workspace) -> dict:
    """The line "Open now" or "Closed now — opens Monday 09:00", from the saved hours, as of now."""
    now = timezone.now()
    try:
        return {
            "text": business_hours.opening_status(workspace=workspace, at=now),
            "is_open": business_hours.is_open(workspace=workspace, at=now),
        }
    except ValidationError as error:
        # Stored around the form (a shell, a tz database without the zone): say so, and let
        # the admin fix it here rather than fail the page.
        return {"text": f"Cannot tell whether the team is in: {' '.join(error.messages)}", "is_open": False}


def _settings_page(
    request,
    *,
    form=None,
    widget_form=None,
    widget_saved=False,
    hours_form=None,
    hours_saved=False,
    api_key_form=None,
    new_api_key=None,
    status=200,
):
    workspace = request.workspace
    form = form or WorkspaceSettingsForm(
        initial={"name": workspace.name, "allowed_origins": "\n".join(workspace.allowed_origins)}
    )
    context = {
        "form": form,
        "widget_form": widget_form or _widget_form(workspace),
        "widget_saved": widget_saved,
        "hours_form": hours_form or BusinessHoursForm.for_workspace(workspace),
        "hours_saved": hours_saved,
        "opening_status": _opening_status(workspace),
        "widget_script_url": f"{settings.PUBLIC_URL}/static/widget/chatassist.js",
        "api_key_form": api_key_form or ApiKeyForm(),
        "api_keys": selectors.api_keys_of(workspace=workspace),
        "new_api_key": new_api_key,
        "seats_used": selectors.seats_used(workspace=workspace),
        "identity_secret_masked": _masked_identity_secret(workspace),
    }
    return render(request, "accounts/settings.html", context, status=status)


def mask_secret(value: str) -> str:
    return f"{value[:6]}…{value[-4:]}" if len(value) > 12 else "…"


def _masked_identity_secret(workspace) -> str:
    # A wrong FIELD_ENCRYPTION_KEYS fails this one feature, not the settings page: rotating
    # the secret (below) is how an admin recovers once the operator cannot restore the key.
    try:
        return mask_secret(workspace.identity_secret)
    except SecretUnavailable:
        return "(cannot be decrypted with the server's keys: rotate it)"


@require_http_methods(["GET", "POST"])
@workspace_view("can_manage_settings")
def workspace_settings(request):
    if request.method == "GET":
        return _settings_page(request)
    form = WorkspaceSettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, form=form, status=422)
    services.workspace_update(workspace=request.workspace, **form.cleaned_data)
    messages.success(request, "Settings saved.")
    return redirect("settings", workspace_slug=request.workspace.slug)


@require_POST
@workspace_view("can_manage_settings")
def widget_settings(request):
    form = WidgetSettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, widget_form=form, status=422)
    services.workspace_update_widget(workspace=request.workspace, **form.cleaned_data)
    if request.htmx:
        # The section is swapped in place: say so there, not in a flash the swap would not show.
        return _settings_page(request, widget_saved=True)
    messages.success(request, "Widget settings saved. Open widgets pick them up when their page reloads.")
    return redirect(reverse("settings", args=[request.workspace.slug]) + "#widget")


@require_POST
@workspace_view("can_manage_settings")
def business_hours_settings(request):
    form = BusinessHoursForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, hours_form=form, status=422)
    services.workspace_update_business_hours(workspace=request.workspace, **form.cleaned_data)
    if request.htmx:
        return _settings_page(request, hours_saved=True)
    messages.success(request, "Business hours saved.")
    return redirect(reverse("settings", args=[request.workspace.slug]) + "#business-hours")


@require_POST
@workspace_view("can_manage_settings")
def identity_secret_reveal(request):
    """The secret, once, in a partial; never in the page's HTML until an admin asks."""
    try:
        context = {"secret": request.workspace.identity_secret}
    except SecretUnavailable as error:
        context = {"error": str(error)}
    response = render(request, "accounts/partials/identity_secret.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view("can_manage_settings")
def identity_secret_rotate(request):
    workspace = services.workspace_rotate_identity_secret(workspace=request.workspace)
    context = {"secret": workspace.identity_secret, "rotated": True}
    response = render(request, "accounts/partials/identity_secret.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view("can_manage_api_keys")
def api_key_create(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, api_key_form=form, status=422)
    api_key, raw = services.api_key_create(workspace=request.workspace, created_by=request.user, **form.cleaned_data)
    # Rendered straight into this response, never stored or redirected with: shown once.
    response = _settings_page(request, new_api_key={"api_key": api_key, "raw": raw})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view("can_manage_api_keys")
def api_key_revoke(request, api_key_id: int):
    api_key = services.api_key_revoke(api_key=access.api_key_for(request.workspace, api_key_id))
    messages.success(request, f"The key “{api_key.name}” was revoked; requests with it now fail.")
    return redirect("settings", workspace_slug=request.workspace.slug)

"""Log-in throttling with django-axes (settings: LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES).

Failures are counted per account name and per client address (chatassist/client_ip.py); at
the limit, log-in is refused for that account name, or from that address, until the lockout
ends, even with the right password. Account names are counted whether or not an account
exists, and the refusal reads the same either way, so the lockout reveals no accounts."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.forms import EmailAuthenticationForm
from accounts.models import normalize_email

LOCKOUT_SENTENCE = (
    "Too many failed log-in attempts for this account or from this network. "
    "Log-in is paused for {minutes} minutes; try again then, or reset your password."
)


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """The account name as the log-in form looks it up: “Ann@X.com” and “ann@x.com” are one."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username", "")
    return normalize_email(username if isinstance(username, str) else "")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The log-in page again, with the reason, as 429 with Retry-After."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    form = EmailAuthenticationForm(request, initial={"username": login_username(request, credentials)})
    context = {"form": form, "lockout": LOCKOUT_SENTENCE.format(minutes=minutes), "next": request.POST.get("next", "")}
    response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response

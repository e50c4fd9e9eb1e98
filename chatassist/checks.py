"""System checks for a deployment that `check --deploy` would otherwise not see."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def secret_key_is_configured(app_configs, **kwargs):
    if settings.SECRET_KEY_IS_LOCAL and not settings.DEBUG:
        return [
            Warning(
                "SECRET_KEY is a key generated into the local data folder.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) so that every server of a deployment shares one key.",
                id="chatassist.W001",
            )
        ]
    return []


@register(deploy=True)
def email_is_delivered(app_configs, **kwargs):
    if not settings.DEBUG and settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        return [
            Warning(
                "E-mail goes to the log: invitations and password resets are printed, not sent.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="chatassist.W002",
            )
        ]
    return []

"""System checks for a deployment that `check --deploy` would otherwise not see."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


# Reading every stored secret is cheap (Fernet: microseconds each), but a pre-flight check
# must stay quick on a big install: a sample this size finds a wrong key at once.
SECRETS_SAMPLED = 1000


@register(Tags.security, deploy=True)
def field_encryption_keys_decrypt(app_configs, **kwargs):
    """A wrong FIELD_ENCRYPTION_KEYS leaves every stored secret unreadable (pages still work,
    identity verification and invitation links do not): say so before the deploy, not after."""
    from accounts import encryption

    invalid = encryption.invalid_keys(settings.FIELD_ENCRYPTION_KEYS)
    if invalid:
        positions = ", ".join(str(position) for position in invalid)
        return [
            Error(
                f"FIELD_ENCRYPTION_KEYS: key {positions} of {len(settings.FIELD_ENCRYPTION_KEYS)} is not a Fernet key "
                "(32 bytes, URL-safe base64), so no stored secret can be decrypted or written.",
                hint='Generate one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="chatassist.E001",
            )
        ]
    unreadable, sampled = _undecryptable_secrets()
    if unreadable:
        return [
            Error(
                f"{unreadable} of {sampled} stored secrets (identity-verification secrets, invitation links) "
                "cannot be decrypted with FIELD_ENCRYPTION_KEYS (or, when it is unset, the key derived from "
                "SECRET_KEY): identity verification and those invitations fail until the key is restored.",
                hint="Put back the key they were encrypted with (a new key goes first, the old ones after it), "
                "or rotate each workspace's identity secret on its Settings page.",
                id="chatassist.E002",
            )
        ]
    return []


def _undecryptable_secrets() -> tuple[int, int]:
    """How many of a sample of stored secrets the configured keys cannot decrypt. A database
    that cannot be reached (a pre-flight run without it) or is not migrated is not checked."""
    from django.db import DatabaseError

    from accounts.encryption import UndecryptableSecret
    from accounts.models import Invitation, Workspace

    try:
        values = [
            *Workspace.objects.order_by("-pk").values_list("identity_secret", flat=True)[:SECRETS_SAMPLED],
            *Invitation.objects.order_by("-pk").values_list("token", flat=True)[:SECRETS_SAMPLED],
        ]
    except DatabaseError:
        return 0, 0
    return sum(isinstance(value, UndecryptableSecret) for value in values), len(values)

"""REST API authentication by workspace API key: ``Authorization: Bearer ca_xxxxxxxx_...``.

``request.auth`` is the ApiKey and ``request.workspace`` its workspace; the key's own role
decides what it may do, through the same role properties as memberships."""

import hmac
import re
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from accounts.models import ApiKey, hash_token

LAST_USED_RESOLUTION = timedelta(minutes=1)
KEY_FORMAT = re.compile(r"(?P<prefix>ca_[0-9a-f]{8})_[A-Za-z0-9_-]{20,100}")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        raw = raw.strip()
        if scheme.lower() != self.keyword.lower() or not raw:
            raise exceptions.AuthenticationFailed("Send the API key as `Authorization: Bearer <key>`.")
        # "ca_" + 8 hex characters, then "_" and the secret (which may itself contain "_").
        # Anything else is refused before it reaches the database.
        match = KEY_FORMAT.fullmatch(raw)
        prefix = match["prefix"] if match else None
        api_key = ApiKey.objects.select_related("workspace").filter(prefix=prefix).first() if prefix else None
        # compare_digest on the hashes: the time taken says nothing about the secret.
        if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_token(raw)):
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        request.workspace = api_key.workspace
        return (None, api_key)

    def authenticate_header(self, request):
        return self.keyword


class HasWorkspaceApiKey(permissions.BasePermission):
    message = "Authenticate with a workspace API key: `Authorization: Bearer <key>`."

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiKey)


def key_can(permission_name: str, *, write_only: bool = True):
    """A permission class: the key's role must have ``permission_name`` (for writes only,
    unless ``write_only`` is False)."""

    class KeyCan(permissions.BasePermission):
        message = f"This API key's role does not allow this ({permission_name})."
        # Read by the schema, which lists 403 only where this can refuse (chatassist/api_schema.py).
        refuses_safe_methods = not write_only

        def has_permission(self, request, view):
            if write_only and request.method in permissions.SAFE_METHODS:
                return True
            return isinstance(request.auth, ApiKey) and getattr(request.auth, permission_name)

    KeyCan.__name__ = f"KeyCan_{permission_name}"
    return KeyCan


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the API key as a bearer token in the OpenAPI schema."""

    target_class = "accounts.api_auth.ApiKeyAuthentication"
    name = "WorkspaceApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace API key, created by an admin under Settings → API keys.",
        }

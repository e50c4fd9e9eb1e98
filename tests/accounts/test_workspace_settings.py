"""Settings: name and widget origins, the identity secret (encrypted, masked, revealed on
request, rotatable), and field encryption with key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from accounts import encryption
from accounts.models import Workspace
from accounts.origins import normalize_origin, parse_origins


def test_settings_save_name_and_normalised_origins(owner_client, workspace):
    response = owner_client.post(
        reverse("settings", args=[workspace.slug]),
        {
            "name": "Acme Inc",
            "allowed_origins": "https://App.Acme.com:443/\nhttp://localhost:3000, https://app.acme.com",
        },
    )
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.name == "Acme Inc"
    assert workspace.allowed_origins == ["https://app.acme.com", "http://localhost:3000"]


@pytest.mark.parametrize(
    ("origins", "message"),
    [
        ("acme.com", "is not an origin"),
        ("ftp://acme.com", "is not an origin"),
        ("https://acme.com/path", "more than an origin"),
        ("https://acme.com:99999", "invalid port"),
    ],
)
def test_settings_reject_bad_origins_and_keep_the_old_ones(owner_client, workspace, origins, message):
    workspace.allowed_origins = ["https://kept.example"]
    workspace.save()
    response = owner_client.post(reverse("settings", args=[workspace.slug]), {"name": "X", "allowed_origins": origins})
    assert response.status_code == 422
    assert message in response.content.decode()
    workspace.refresh_from_db()
    assert (workspace.name, workspace.allowed_origins) == ("Acme", ["https://kept.example"])


def test_origin_normalisation():
    assert normalize_origin("HTTPS://Example.COM") == "https://example.com"
    assert normalize_origin("http://example.com:80") == "http://example.com"
    assert normalize_origin("http://[::1]:8000") == "http://[::1]:8000"
    with pytest.raises(ValidationError):
        parse_origins("https://ok.example\nnot an origin")


def test_identity_secret_is_masked_until_revealed(owner_client, workspace):
    secret = workspace.identity_secret
    page = owner_client.get(reverse("settings", args=[workspace.slug])).content.decode()
    assert secret not in page
    assert f"{secret[:6]}…{secret[-4:]}" in page
    response = owner_client.post(reverse("identity_secret_reveal", args=[workspace.slug]))
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_identity_secret_is_encrypted_at_rest(workspace):
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity_secret FROM accounts_workspace WHERE id = %s", [workspace.pk])
        stored = cursor.fetchone()[0]
    assert workspace.identity_secret not in stored
    assert Workspace.objects.get(pk=workspace.pk).identity_secret == workspace.identity_secret


def test_rotating_the_identity_secret_replaces_it(owner_client, workspace):
    old = workspace.identity_secret
    response = owner_client.post(reverse("identity_secret_rotate", args=[workspace.slug]))
    workspace.refresh_from_db()
    assert workspace.identity_secret != old
    assert workspace.identity_secret in response.content.decode()


def test_encryption_keys_rotate(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    token = encryption.encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert encryption.decrypt(token) == "s3cret"
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        encryption.decrypt(token)

"""Secrets that must be read back (identity-verification secrets, invitation links) are
stored encrypted with Fernet; secrets that only need checking (API keys) are stored hashed.

``FIELD_ENCRYPTION_KEYS`` lists Fernet keys: the first encrypts, every one decrypts, so a key
can be rotated by putting the new one first. Without it, one key is derived from SECRET_KEY.

A wrong key must not take the product down: a row whose secret cannot be decrypted still
loads, and only reading that one attribute raises ``SecretUnavailable``, so only the features
that need the secret fail (identity verification, revealing it, an invitation's link).
``check --deploy`` reports it (chatassist/checks.py).
"""

import base64
import binascii
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute

UNAVAILABLE_MESSAGE = (
    "A stored secret cannot be decrypted with the configured keys (was SECRET_KEY or FIELD_ENCRYPTION_KEYS changed?)."
)


class SecretUnavailable(ValueError):
    """The stored secret cannot be decrypted with the configured keys."""

    # A template that shows such a secret renders it empty instead of failing the page.
    silent_variable_failure = True


class UndecryptableSecret:
    """What a row holds in place of a secret it could not decrypt: the stored token, kept so
    that saving the row for another reason writes it back unchanged."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def __repr__(self) -> str:
        return "<UndecryptableSecret>"


def invalid_keys(keys) -> list[int]:
    """1-based positions of the FIELD_ENCRYPTION_KEYS entries that are not Fernet keys."""
    invalid = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.strip().encode())
        except (ValueError, binascii.Error):
            invalid.append(position)
    return invalid


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"chatassist.field-encryption\x00" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys])
    except (ValueError, binascii.Error) as error:
        raise SecretUnavailable("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnavailable(UNAVAILABLE_MESSAGE) from error


class _SecretAttribute(DeferredAttribute):
    """A data descriptor (so every read passes here): an undecryptable secret raises when it
    is read, not when its row is loaded."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, UndecryptableSecret):
            raise SecretUnavailable(UNAVAILABLE_MESSAGE)
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code only ever sees the plaintext."""

    descriptor_class = _SecretAttribute

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        try:
            return decrypt(value)
        except SecretUnavailable:
            return UndecryptableSecret(value)

    def pre_save(self, model_instance, add):
        # Not through the descriptor: a row saved for another field keeps its token as it is.
        return model_instance.__dict__.get(self.attname)

    def get_prep_value(self, value):
        if isinstance(value, UndecryptableSecret):
            return value.token
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

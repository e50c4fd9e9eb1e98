"""Secrets that must be read back (identity-verification secrets, invitation links) are
stored encrypted with Fernet; secrets that only need checking (API keys) are stored hashed.

``FIELD_ENCRYPTION_KEYS`` lists Fernet keys: the first encrypts, every one decrypts, so a key
can be rotated by putting the new one first. Without it, one key is derived from SECRET_KEY.
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"chatassist.field-encryption\x00" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key.strip().encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "A stored secret cannot be decrypted with the configured keys "
            "(was SECRET_KEY or FIELD_ENCRYPTION_KEYS changed?)."
        ) from error


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code only ever sees the plaintext."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

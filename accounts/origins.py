"""Normalising the web origins a workspace allows its widget on."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

MAX_ORIGIN_LENGTH = 255


def normalize_origin(value: str) -> str:
    """``https://Example.com:443/`` → ``https://example.com``; anything else is a ValidationError."""
    raw = value.strip()
    if len(raw) > MAX_ORIGIN_LENGTH:
        raise ValidationError(f"An origin has at most {MAX_ORIGIN_LENGTH} characters.")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"“{raw}” is not an origin; write it as https://example.com (scheme and host).")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationError(f"“{raw}” has more than an origin; keep only the scheme, host and port.")
    try:
        port = parts.port
    except ValueError as error:
        raise ValidationError(f"“{raw}” has an invalid port.") from error
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def parse_origins(text: str) -> list[str]:
    """One origin per line or comma; duplicates dropped, order kept."""
    origins: list[str] = []
    errors: list[str] = []
    for item in text.replace(",", "\n").splitlines():
        if not item.strip():
            continue
        try:
            origin = normalize_origin(item)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if origin not in origins:
            origins.append(origin)
    if errors:
        raise ValidationError(errors)
    return origins

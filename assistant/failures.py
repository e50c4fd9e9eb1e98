"""Why an attempt failed, and whether trying the same provider again can help.

Retried: 429 (rate limited), 408, every 5xx (Anthropic's 529 "overloaded" included),
timeouts and broken connections. Not retried: every other 4xx (bad request, authentication,
permission, not found), since the same request would fail the same way; those go straight
to the fallback provider.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass

# Kinds, for the record (Attempt.error starts with one) and for people reading logs.
RATE_LIMITED = "rate_limited"
OVERLOADED = "overloaded"
SERVER_ERROR = "server_error"
FIRST_TOKEN_TIMEOUT = "first_token_timeout"  # noqa: S105 - a failure kind, not a password
TOTAL_TIMEOUT = "total_timeout"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
CONNECTION_LOST = "connection_lost"
BAD_RESPONSE = "bad_response"
BAD_REQUEST = "bad_request"
AUTHENTICATION = "authentication"
PERMISSION = "permission"
NOT_FOUND = "not_found"
CLIENT_ERROR = "client_error"
NOT_CONFIGURED = "not_configured"
INTERNAL_ERROR = "internal_error"

_KIND_BY_STATUS = {
    400: BAD_REQUEST,
    401: AUTHENTICATION,
    403: PERMISSION,
    404: NOT_FOUND,
    408: TIMEOUT,
    429: RATE_LIMITED,
    529: OVERLOADED,
}

# What an error type means when a vendor sends it inside a 200 stream (Anthropic's "error"
# event, OpenAI's {"error": ...} chunk): the status it would have had as a response.
_STATUS_BY_ERROR_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "server_error": 500,
    "overloaded_error": 529,
}

_SENTENCES = {
    RATE_LIMITED: "was rate-limiting us",
    OVERLOADED: "was overloaded",
    SERVER_ERROR: "had a server error",
    FIRST_TOKEN_TIMEOUT: "did not start answering in time",
    TOTAL_TIMEOUT: "took too long to answer",
    TIMEOUT: "timed out",
    CONNECTION_ERROR: "could not be reached",
    CONNECTION_LOST: "dropped the connection",
    BAD_RESPONSE: "sent a response we could not read",
    BAD_REQUEST: "refused the request",
    AUTHENTICATION: "refused our API key",
    PERMISSION: "refused access",
    NOT_FOUND: "does not know the model",
    CLIENT_ERROR: "refused the request",
    NOT_CONFIGURED: "is not configured",
    INTERNAL_ERROR: "failed unexpectedly",
}


class IncompleteStreamError(Exception):
    """The stream ended cleanly at the transport level but without the vendor's end event:
    the answer was cut off (a proxy closing an idle connection, a crashed server...)."""


@dataclass(frozen=True)
class Failure:
    kind: str
    retryable: bool
    status_code: int | None = None
    # The vendor's own error type, e.g. "overloaded_error", "rate_limit_error".
    vendor_error_type: str = ""
    message: str = ""
    # Seconds the vendor asked us to wait (retry-after / retry-after-ms), if it said.
    retry_after: float | None = None

    def describe(self) -> str:
        """One line for Attempt.error and the logs: kind, status, vendor type, message."""
        parts = [self.kind]
        if self.status_code is not None:
            parts.append(str(self.status_code))
        if self.vendor_error_type:
            parts.append(self.vendor_error_type)
        line = " ".join(parts)
        return f"{line}: {self.message[:300]}" if self.message else line

    def sentence(self, provider_label: str) -> str:
        """For people: "Anthropic was overloaded"."""
        return f"{provider_label} {_SENTENCES.get(self.kind, 'failed')}"


def failure_from_status(
    *, status_code: int, vendor_error_type: str = "", message: str = "", headers: Mapping[str, str] | None = None
) -> Failure:
    """An HTTP error response (or an error event inside a stream, ``status_code`` 200)."""
    effective_status = status_code
    if status_code < 400:
        effective_status = _STATUS_BY_ERROR_TYPE.get(vendor_error_type, 500)
    if vendor_error_type == "overloaded_error":
        kind = OVERLOADED
    elif effective_status >= 500:
        kind = SERVER_ERROR
    else:
        kind = _KIND_BY_STATUS.get(effective_status, CLIENT_ERROR)
    retryable = effective_status in (408, 429) or effective_status >= 500
    return Failure(
        kind=kind,
        retryable=retryable,
        status_code=status_code,
        vendor_error_type=vendor_error_type,
        message=message,
        retry_after=retry_after_seconds(headers) if headers is not None else None,
    )


def classify_generic_failure(error: Exception) -> Failure:
    """Errors that are not one SDK's own: the transport (httpx2), our own checks, bugs."""
    if isinstance(error, IncompleteStreamError):
        return Failure(kind=CONNECTION_LOST, retryable=True, message=str(error))
    try:
        import httpx2
    except ImportError:  # pragma: no cover - both SDKs depend on it
        httpx2 = None
    if httpx2 is not None:
        if isinstance(error, httpx2.TimeoutException):
            return Failure(kind=TIMEOUT, retryable=True, message=str(error) or type(error).__name__)
        if isinstance(error, httpx2.ConnectError):
            return Failure(kind=CONNECTION_ERROR, retryable=True, message=str(error))
        if isinstance(error, httpx2.TransportError):
            # Anthropic's SDK lets a connection that breaks mid-stream surface as httpx2's error.
            return Failure(kind=CONNECTION_LOST, retryable=True, message=str(error))
    if isinstance(error, TimeoutError):
        return Failure(kind=TIMEOUT, retryable=True, message=str(error) or "timed out")
    if isinstance(error, OSError):
        return Failure(kind=CONNECTION_ERROR, retryable=True, message=str(error))
    if isinstance(error, ValueError):
        # Malformed JSON in the stream: another attempt will likely be fine.
        return Failure(kind=BAD_RESPONSE, retryable=True, message=str(error)[:300])
    return Failure(kind=INTERNAL_ERROR, retryable=False, message=f"{type(error).__name__}: {error}"[:300])


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The vendor's requested wait: ``retry-after-ms``, else ``retry-after`` as seconds or as
    an HTTP date. None when absent or unreadable."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - time.time())

"""The client's address, the one thing every per-address limit and the log-in throttle key on.

Without ``CLIENT_IP_HEADER`` it is the connection's peer (``REMOTE_ADDR``, or the socket's
``scope["client"]``). Behind a reverse proxy every request comes from the proxy, so name the
header the proxy sets itself, e.g. ``X-Real-IP`` (deploy/nginx.conf sets it to
``$remote_addr``). Never name a header a client can send straight to the web process: it
could then pick a new address for every request and dodge every limit.

For ``X-Forwarded-For`` the right-most address is taken: the one our proxy appended. The
left-most, which daphne's ``--proxy-headers`` uses, is whatever the client wrote there."""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _address(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip_from(*, peer: str | None, header_value: str | None) -> str:
    """The client's address from the peer and the configured header's value (if any)."""
    if settings.CLIENT_IP_HEADER and header_value:
        address = _address(header_value.rsplit(",", 1)[-1])
        if address is not None:
            return address
    return _address(peer or "") or UNKNOWN


def client_ip_for_request(request: HttpRequest) -> str:
    """An HTTP request's client (also django-axes' ``AXES_CLIENT_IP_CALLABLE``)."""
    header = settings.CLIENT_IP_HEADER
    value = request.META.get("HTTP_" + header.upper().replace("-", "_")) if header else None
    return client_ip_from(peer=request.META.get("REMOTE_ADDR"), header_value=value)


def client_ip_for_scope(scope: dict) -> str:
    """A WebSocket's client, from its ASGI scope."""
    header = settings.CLIENT_IP_HEADER.lower().encode("latin-1")
    value = None
    if header:
        headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", [])
        values = [v.decode("latin-1") for k, v in headers if k.lower() == header]
        value = ",".join(values) if values else None
    client = scope.get("client") or (None, None)
    return client_ip_from(peer=client[0], header_value=value)


def client_network(address: str) -> str:
    """What a per-address limit counts: an IPv4 address, or an IPv6 address's /64 (one
    customer line usually gets a whole /64, so single addresses would be free to change)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))

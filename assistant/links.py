"""Links in answers the offline provider quotes from the knowledge base.

A passage is text anyone who can add a document wrote, or a page that was imported; a URL in
it is not vouched for. The widget turns ``[label](url)`` and bare ``http(s)://`` URLs into
links, so a passage pointing customers at a phishing page would be one click away, under the
company's name. Links survive only to hosts the workspace allows (``link_hosts``) and their
subdomains; any other URL is shown as inert text: a Markdown link keeps its label, a bare URL
becomes a code span, which no Markdown renderer turns into a link."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# The widget's own patterns (static/widget/chatassist.js, INLINE_SOURCE), a little wider
# (other renderers): any scheme, and balanced parentheses in a Markdown link's URL.
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*<?((?:[^()\s<>]|\([^()\s<>]*\))+)>?\s*\)")
_BARE_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"`]*[^\s<>\"`.,;:!?)\]']", re.IGNORECASE)


def host_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """An http(s) URL whose host is one of ``allowed_hosts`` or a subdomain of one."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not host:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in _normalised(allowed_hosts))


def unlinked(text: str, *, allowed_hosts: Iterable[str]) -> str:
    """``text`` with every link to a host not allowed made inert (see the module docstring)."""
    allowed_hosts = tuple(allowed_hosts)

    def markdown_link(match: re.Match) -> str:
        return match.group(0) if host_allowed(match.group(2), allowed_hosts) else match.group(1)

    def bare_url(match: re.Match) -> str:
        url = match.group(0)
        return url if host_allowed(url, allowed_hosts) else f"`{url}`"

    pieces = []
    last = 0
    # Allowed Markdown links are kept whole, so their URL is not wrapped as a bare one.
    for match in _MARKDOWN_LINK.finditer(text):
        pieces.append(_BARE_URL.sub(bare_url, text[last : match.start()]))
        kept = markdown_link(match)
        pieces.append(kept if kept == match.group(0) else _BARE_URL.sub(bare_url, kept))
        last = match.end()
    pieces.append(_BARE_URL.sub(bare_url, text[last:]))
    return "".join(pieces)


def _normalised(hosts: Iterable[str]) -> list[str]:
    return [host.lower().strip().rstrip(".") for host in hosts if host and host.strip()]

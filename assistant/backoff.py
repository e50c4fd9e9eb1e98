"""How long to wait before trying the same provider again.

Exponential back-off with "full jitter" (AWS Architecture Blog, "Exponential Backoff And
Jitter"): a uniformly random wait between 0 and min(cap, base * 2^retry). Spreading retries
out is what keeps many workers from hitting a recovering vendor at the same instant. When the
vendor says how long to wait (retry-after), we wait at least that long, but never more than
``retry_after_cap``: past that the fallback provider serves the customer better.
"""

from __future__ import annotations

from collections.abc import Callable


def retry_delay(
    *,
    retry_number: int,
    base: float,
    cap: float,
    jitter_fraction: Callable[[], float],
    retry_after: float | None = None,
    retry_after_cap: float = 30.0,
) -> float:
    """Seconds to wait before retry ``retry_number`` (0 = the first retry)."""
    ceiling = min(cap, base * (2**retry_number))
    delay = jitter_fraction() * ceiling
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, retry_after_cap)

"""Waiting in a test for what another process does (a Celery worker, a daphne)."""

import time


def wait_until(predicate, *, timeout: float = 30, what: str = "the condition"):
    """``predicate()``'s first truthy value, polled every 0.1 s; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")

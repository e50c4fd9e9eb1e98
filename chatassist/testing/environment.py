"""A pytest plugin loaded before Django is set up (``-p chatassist.testing.environment``).

The suite runs against the same kind of servers as production: real PostgreSQL with pgvector
and real Redis. Without DATABASE_URL / REDIS_URL it uses the embedded servers, with its own
database (pytest-django's ``test_`` prefix) and its own Redis db, so it never touches the
demo's data; servers it had to start, it stops at the end."""

import os

from chatassist import embedded

# The demo uses db 0; a second suite running at the same time sets CHATASSIST_TEST_REDIS_DB.
TEST_REDIS_DB = int(os.environ.get("CHATASSIST_TEST_REDIS_DB") or 1)
_started: tuple[str, ...] = ()


def _configure_environment() -> None:
    global _started
    # Production settings, less TLS: the test client speaks plain HTTP.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("PUBLIC_URL", "http://testserver")
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return
    services = embedded.ensure_running()
    _started = services.started
    os.environ.setdefault("DATABASE_URL", services.database_url)
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = services.redis_url.rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"
        # Ours alone, so the suite may flush it.
        os.environ["CHATASSIST_TEST_REDIS_IS_SCRATCH"] = "1"


_configure_environment()


def pytest_unconfigure(config):
    if _started:
        embedded.stop(only=_started)

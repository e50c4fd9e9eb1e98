"""Real daphne processes serving the ASGI application against the suite's own database and
Redis, for tests that need real sockets across processes (two daphne processes sharing one
channel layer) or a real browser (Playwright).

Tests that use them must commit their data: mark them ``django_db(transaction=True)``."""

import asyncio
import json

import pytest
from django.conf import settings
from django.db import connection

from chatassist.testing.live_servers import LiveServer, daphne_spawn, wait_ready

START_TIMEOUT = 40


def _database_url() -> str:
    """The URL of the database the suite is using right now (pytest-django's test database)."""
    database = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    return f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{name}"


def start_daphne(*, extra_env: dict | None = None) -> LiveServer:
    env = {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "0",
        "HTTPS": "0",
        "STATIC_MANIFEST": "0",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "ASSISTANT_PROVIDER": getattr(settings, "ASSISTANT_PROVIDER", "auto"),
        **(extra_env or {}),
    }
    # Served as "localhost": the name (and origin) in ALLOWED_HOSTS that pages are opened under.
    server = daphne_spawn("daphne", "chatassist.asgi:application", env, host="localhost")
    try:
        wait_ready(server, timeout=START_TIMEOUT)
    except RuntimeError as error:
        server.close()
        pytest.fail(str(error))
    return server


@pytest.fixture
def live_daphne(transactional_db):
    """A factory: ``live_daphne()`` starts one more daphne process; all stop after the test."""
    servers: list[LiveServer] = []

    def start(**extra_env) -> LiveServer:
        server = start_daphne(extra_env=extra_env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


async def receive_until(socket, predicate, timeout: float = 30) -> list[dict]:
    """The JSON frames a real WebSocket client (``websockets``) receives, up to and including
    the first that ``predicate`` accepts; TimeoutError after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        frames = []
        while True:
            frame = json.loads(await socket.recv())
            frames.append(frame)
            if predicate(frame):
                return frames

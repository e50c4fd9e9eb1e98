"""Real daphne processes serving the ASGI application against the suite's own database and
Redis, for tests that need real sockets across processes (two daphne processes sharing one
channel layer) or a real browser (Playwright).

Tests that use them must commit their data: mark them ``django_db(transaction=True)``."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection

from chatassist import embedded

START_TIMEOUT = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    process: subprocess.Popen
    port: int
    log: object  # a temporary file: a pipe nobody reads would block a chatty server

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://localhost:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _database_url() -> str:
    """The URL of the database the suite is using right now (pytest-django's test database)."""
    database = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    return f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{name}"


def start_daphne(*, extra_env: dict | None = None) -> LiveServer:
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DEBUG="0",
        HTTPS="0",
        STATIC_MANIFEST="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        PUBLIC_URL=f"http://localhost:{port}",
        ASSISTANT_PROVIDER=getattr(settings, "ASSISTANT_PROVIDER", "auto"),
    )
    env.update(extra_env or {})
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by LiveServer.stop
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "chatassist.asgi:application"],
        cwd=embedded.PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = LiveServer(process=process, port=port, log=log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("daphne exited:\n" + server.output())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    pytest.fail("daphne did not serve /healthz in time:\n" + server.output())


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
        server.stop()

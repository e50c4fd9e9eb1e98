"""``make run`` end to end: it starts the embedded services, migrates, seeds, serves, runs a
worker and beat; Ctrl-C stops every process it started; a second run finds the data intact."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import psycopg
import pytest

from chatassist import embedded

pytestmark = pytest.mark.slow

START_TIMEOUT = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _start(data_dir, port):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CHATASSIST_DATA_DIR=str(data_dir), DEBUG="1", CELERY_CONCURRENCY="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "chatassist.runner", "--port", str(port)],
        cwd=embedded.PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            status, _body = _get(f"http://127.0.0.1:{port}/healthz")
        except OSError:
            status = None
        if status == 200:
            return process
        time.sleep(0.3)
    process.kill()
    pytest.fail("make run did not serve /healthz in time:\n" + process.stdout.read())


def _stop_with_ctrl_c(process):
    family = [process, *psutil.Process(process.pid).children(recursive=True)]
    assert len(family) >= 4, "expected the runner, daphne, a worker and beat"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    output = process.stdout.read()
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"still running after Ctrl-C: {alive}"
    return output


def test_make_run_serves_stops_cleanly_and_keeps_data(tmp_path):
    port = _free_port()
    process = _start(tmp_path, port)
    try:
        status, body = _get(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and b"Log in" in body
        credentials = json.loads((tmp_path / "demo-credentials.json").read_text())
        assert set(credentials) == {
            "admin@demo.chatassist.test",
            "agent@demo.chatassist.test",
            "viewer@demo.chatassist.test",
        }
        database_url = embedded.ensure_running(tmp_path).database_url
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("UPDATE accounts_workspace SET name = 'Demo, renamed' WHERE slug = 'demo'")
            public_key = connection.execute("SELECT public_key FROM accounts_workspace WHERE slug = 'demo'").fetchone()
    finally:
        output = _stop_with_ctrl_c(process)
    assert "stopped the embedded postgres and redis" in output
    assert embedded.status(tmp_path) == {"postgres": None, "redis": None}

    process = _start(tmp_path, port)
    try:
        with psycopg.connect(database_url) as connection:
            row = connection.execute("SELECT name, public_key FROM accounts_workspace WHERE slug = 'demo'").fetchone()
            assert row == ("Demo, renamed", public_key[0])
            assert connection.execute("SELECT count(*) FROM accounts_user").fetchone() == (3,)
    finally:
        output = _stop_with_ctrl_c(process)
    assert "Demo workspace already there" in output
    for password in credentials.values():
        assert password in output

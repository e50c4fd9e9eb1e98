"""Real Celery worker processes (``celery -A chatassist worker``, prefork pool) against the
suite's own database and Redis, for tests where delivery is the point: a pool process or the
whole worker killed with SIGKILL mid-task, two tenants' documents competing for one worker.

Tests that use them must commit their data: mark them ``django_db(transaction=True)``."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from chatassist import embedded
from chatassist.celery import app
from tests.live_servers import _database_url

START_TIMEOUT = 60


@dataclass
class LiveWorker:
    process: subprocess.Popen
    log: object = field(repr=False)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def pool_pids(self) -> list[int]:
        """The prefork pool's processes: the ones that run the tasks."""
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as a crashed host or ``docker kill`` does."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        # Whatever is left of the group, e.g. pool processes whose parent was killed alone.
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def _signal_group(self, signal_number: int) -> None:
        # The worker leads its own process group (start_new_session): the pool is in it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal_number)


def start_worker(*, concurrency: int = 1, beat: bool = False, extra_env: dict | None = None) -> LiveWorker:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "0",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "chatassist", "worker", "-P", "prefork"]
    command += ["-c", str(concurrency), "-n", f"live-{uuid.uuid4().hex[:8]}@%h", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle"]
    if beat:
        command += ["-B", "-s", str(Path(tempfile.mkdtemp()) / "celerybeat-schedule")]
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by the fixture
    process = subprocess.Popen(
        command,
        cwd=embedded.PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: a kill reaches the pool too
    )
    worker = LiveWorker(process=process, log=log)
    deadline = time.monotonic() + START_TIMEOUT
    while " ready." not in worker.output():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            pytest.fail(f"the Celery worker did not start:\n{worker.output()[-4000:]}")
        time.sleep(0.2)
    return worker


@pytest.fixture
def live_worker(transactional_db):
    """A factory: ``live_worker(concurrency=1, extra_env={...})`` starts one more worker; all
    stop after the test. The queue starts empty: messages left by earlier tests are purged."""
    app.control.purge()
    workers: list[LiveWorker] = []

    def start(**kwargs) -> LiveWorker:
        worker = start_worker(**kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
        worker.log.close()

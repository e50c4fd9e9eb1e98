"""``make run``: the whole product on one machine, in one terminal.

Starts the embedded PostgreSQL+pgvector and Redis (unless DATABASE_URL / REDIS_URL point
elsewhere), migrates, seeds the demo workspace, then runs daphne, a Celery worker and Celery
beat. Ctrl-C (or SIGTERM) stops every process it started, the embedded servers last; the
data stays in the data folder for the next run.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from chatassist import embedded

STOP_TIMEOUT_SECONDS = 15
APPLICATION = "chatassist.asgi:application"


def _log(message: str) -> None:
    print(f"[chatassist] {message}", flush=True)


class Runner:
    def __init__(self, *, host: str, port: int):
        self.host = host
        self.port = port
        self.children: dict[str, subprocess.Popen] = {}
        self.started_services: tuple[str, ...] = ()
        self.shutdown_requested = False
        self.stopped = False
        self.env = dict(os.environ)
        self.env.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
        self.env.setdefault("PUBLIC_URL", f"http://{host}:{port}")
        self.data_dir = embedded.data_dir_from_env()
        self.bin = Path(sys.executable).parent

    def start_services(self) -> None:
        if self.env.get("DATABASE_URL") and self.env.get("REDIS_URL"):
            _log("Using DATABASE_URL and REDIS_URL from the environment.")
            return
        services = embedded.ensure_running(self.data_dir)
        self.started_services = services.started
        self.env.setdefault("DATABASE_URL", services.database_url)
        self.env.setdefault("REDIS_URL", services.redis_url)
        _log(f"PostgreSQL {embedded.mask_url(self.env['DATABASE_URL'])}")
        _log(f"Redis      {embedded.mask_url(self.env['REDIS_URL'])}")

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], env=self.env, check=True, cwd=embedded.PROJECT_ROOT)

    def spawn(self, name: str, command: list[str]) -> None:
        # Own process group: the runner decides the order things stop in.
        self.children[name] = subprocess.Popen(command, env=self.env, cwd=embedded.PROJECT_ROOT, start_new_session=True)
        _log(f"started {name} (pid {self.children[name].pid})")

    def start_processes(self) -> None:
        self.spawn(
            "web",
            # daphne, refusing an oversized WebSocket message with a close frame (web_server.py).
            [sys.executable, "-m", "chatassist.web_server", "-b", self.host, "-p", str(self.port), APPLICATION],
        )
        self.spawn(
            "worker",
            [
                str(self.bin / "celery"),
                "-A",
                "chatassist",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                os.environ.get("CELERY_CONCURRENCY", "2"),
                "--hostname",
                "worker@%h",
            ],
        )
        self.spawn(
            "beat",
            [
                str(self.bin / "celery"),
                "-A",
                "chatassist",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.data_dir / "celerybeat-schedule"),
            ],
        )

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _log(f"{name} did not stop in {STOP_TIMEOUT_SECONDS} s; killing it")
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if self.started_services:
            stopped = embedded.stop(self.data_dir, only=self.started_services)
            names = [name for name in self.started_services if name in stopped]
            _log("stopped the embedded " + (" and ".join(names) or "services: they had already stopped"))

    def run(self) -> int:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.start_services()
        self.manage("migrate", "--noinput")
        self.manage("seed_demo", "--credentials-file", str(self.data_dir / "demo-credentials.json"))
        self.start_processes()
        _log(f"ChatAssist is at http://{self.host}:{self.port}/  (Ctrl-C stops everything)")
        while not self.shutdown_requested:
            for name, child in self.children.items():
                if child.poll() is not None:
                    _log(f"{name} exited with status {child.returncode}; stopping the rest")
                    return 1
            time.sleep(0.3)
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    runner = Runner(host=args.host, port=args.port)

    def on_signal(signum, frame):
        runner.shutdown_requested = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return runner.run()
    except subprocess.CalledProcessError as error:
        _log(f"{' '.join(map(str, error.cmd[1:3]))} failed with status {error.returncode}")
        return 1
    except embedded.EmbeddedServiceError as error:
        _log(str(error))
        return 1
    finally:
        runner.stop()


if __name__ == "__main__":
    sys.exit(main())

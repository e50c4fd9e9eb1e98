"""Real server processes for the benchmarks: daphne serving an ASGI application, and the test
vendor server. The same start-up as tests/live_servers.py, without pytest."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field

from chatassist import embedded

START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    name: str
    process: subprocess.Popen
    port: int
    # A temporary file: a pipe nobody reads would block a chatty server.
    log: object = field(repr=False)
    env: dict[str, str] = field(default_factory=dict, repr=False)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def close(self) -> None:
        self.stop()
        self.log.close()


def daphne_spawn(name: str, application: str, env: dict[str, str]) -> LiveServer:
    """Start daphne without waiting; ``wait_ready`` waits."""
    port = free_port()
    full_env = {**os.environ, "PUBLIC_URL": f"http://127.0.0.1:{port}", **env}
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by LiveServer.close
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), application],
        cwd=embedded.PROJECT_ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return LiveServer(name=name, process=process, port=port, log=log, env=env)


def wait_ready(server: LiveServer, path: str = "/healthz") -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.output()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}{path}", timeout=2) as response:  # noqa: S310 - http://127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {path} in time:\n{server.output()[-4000:]}")


def vendor_spawn(*, token_delay: float, text: str) -> tuple[subprocess.Popen, str]:
    """bench/_vendor.py in a process of its own; returns it and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._vendor", "--token-delay", str(token_delay), "--default-text", text],
        cwd=embedded.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    base_url = process.stdout.readline().strip()
    if not base_url:
        process.wait()
        raise RuntimeError("the vendor server did not start")
    return process, base_url

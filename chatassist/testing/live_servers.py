"""Real daphne processes for tests and benchmarks: cross-process sockets, browsers, load.

One start-up for both: ``tests/live_servers.py`` points it at the suite's test database,
``bench/`` at a benchmark's own."""

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
    # The name pages are served under (it is also the origin a page there sends).
    host: str = "127.0.0.1"

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

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


def daphne_spawn(name: str, application: str, env: dict[str, str], *, host: str = "127.0.0.1") -> LiveServer:
    """Start daphne on 127.0.0.1 without waiting; ``wait_ready`` waits."""
    port = free_port()
    full_env = {**os.environ, "PUBLIC_URL": f"http://{host}:{port}", **env}
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by LiveServer.close
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        # daphne as production runs it (chatassist/web_server.py).
        [sys.executable, "-m", "chatassist.web_server", "-b", "127.0.0.1", "-p", str(port), application],
        cwd=embedded.PROJECT_ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return LiveServer(name=name, process=process, port=port, log=log, env=env, host=host)


def wait_ready(server: LiveServer, path: str = "/healthz", timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.output()[-4000:]}")
        try:
            url = f"http://127.0.0.1:{server.port}{path}"
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {path} in time:\n{server.output()[-4000:]}")

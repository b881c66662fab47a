"""Private servers for fault tests: a Redis, a PostgreSQL cluster and Celery processes of our own.

Each runs on a free loopback port, is killed, frozen or restarted by the test alone and is cleaned
up afterwards; the machine's shared services are never touched.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from django.conf import settings

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], T], *, seconds: float, step: float = 0.2) -> T:
    """Poll until the condition returns something true or the time is up; the last result."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(step)


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes] | None, *, grace: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class PrivateRedis:
    """A redis-server of the test's own, without persistence: a restart loses every key."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(lambda: _port_answers(self.port), seconds=10):
            raise RuntimeError("the private redis-server did not start")
        return self

    def kill(self) -> None:
        """SIGKILL: connections drop at once, every key is gone."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(5)

    def freeze(self) -> None:
        """SIGSTOP: the port stays open, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        _stop(self.process)


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory (initdb, pg_ctl), trust auth on loopback."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="cx-pg-"))
        self.data = self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, user=self._user())

    def _user(self) -> str | None:
        # initdb refuses to run as root; the machine's "postgres" account owns the cluster then.
        return "postgres" if os.geteuid() == 0 else None

    def start(self) -> "PrivatePostgres":
        if self._user():
            shutil.chown(self.root, user="postgres")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        return self.restart()

    def restart(self) -> "PrivatePostgres":
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off -k {self.root}"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.root / "log"), "-w", "-t", "30", "start",
        )  # fmt: skip
        return self

    def halt(self, mode: str = "immediate") -> None:
        """Stop the server; "immediate" drops every connection like a crash."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def createdb(self, name: str) -> None:
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), name)

    def cleanup(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.halt()
        shutil.rmtree(self.root, ignore_errors=True)


def database_url() -> str:
    """The URL of the database the tests run on (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcess:
    """`celery worker` or `celery beat` as a subprocess with production-like settings."""

    def __init__(self, *, kind: str, env: Mapping[str, str], args: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxmonitor.settings", **env}
        self.args = args
        self.log = Path(tempfile.mkstemp(prefix=f"cx-{kind}-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "CeleryProcess":
        command = [sys.executable, "-m", "celery", "-A", "cxmonitor", self.kind]
        if self.kind == "worker":
            command += ["--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
            command += ["-n", f"fault-{os.getpid()}-{time.monotonic_ns()}@%h"]
        else:
            command += ["--loglevel=INFO", "-s", str(self.log.with_suffix(".schedule"))]
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                command + list(self.args),
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, seconds: float = 60) -> None:
        if self.kind == "worker" and not wait_for(
            lambda: " ready." in self.output() or not self.alive(), seconds=seconds
        ):
            raise RuntimeError("the worker did not start:\n" + self.tail())
        if not self.alive():
            raise RuntimeError(f"the {self.kind} exited:\n" + self.tail())

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, chars: int = 4000) -> str:
        return self.output()[-chars:]

    def kill(self) -> None:
        """SIGKILL: no shutdown, unacknowledged messages stay behind in the broker."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(5)

    def stop(self) -> None:
        _stop(self.process, grace=20)

    def cleanup(self) -> None:
        self.stop()
        self.log.unlink(missing_ok=True)
        self.log.with_suffix(".schedule").unlink(missing_ok=True)

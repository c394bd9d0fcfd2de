"""A real hub for end-to-end tests: its own data directory and database, the ``lienthong hub``
command run in subprocesses, and ``lienthong hub serve`` on a free loopback port.

Nothing here touches pytest-django's test database. On the SQLite profile the hub's database
lives in its data directory; when the suite runs with ``LIENTHONG_DATABASE_URL`` (the
PostgreSQL profile) each hub gets a fresh database ``lienthong_live_<random>`` on that server,
dropped afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

CLI_TIMEOUT = 120.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def fresh_database(template: str | None = None) -> Iterator[str | None]:
    """A new PostgreSQL database when this run uses PostgreSQL — empty, or a copy of the
    database at the URL ``template`` (nobody may be connected to it); else None (SQLite)."""
    server_url = os.environ.get("LIENTHONG_DATABASE_URL")
    if not server_url:
        yield None
        return
    import psycopg
    from psycopg import sql

    name = f"lienthong_live_{secrets.token_hex(6)}"
    maintenance = _with_database(server_url, "postgres")
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        source = urlsplit(template).path.lstrip("/")
        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(source)
        )
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(create)
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class Hub:
    """One hub's state (data directory, database) and its command line."""

    data_dir: Path
    database_url: str | None
    # More LIENTHONG_* settings of this hub (``{"LIENTHONG_LEASE_SECONDS": "10"}``).
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        # Only this hub's settings: nothing inherited from the test run's LIENTHONG_* variables
        # or its Django settings module (the dms suite runs under the dms's).
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("LIENTHONG_") and k != "DJANGO_SETTINGS_MODULE"
        }
        env["LIENTHONG_DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["LIENTHONG_DATABASE_URL"] = self.database_url
        env.update(self.settings)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def cli(
        self, *args: str | Path, timeout: float = CLI_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        """``lienthong hub ARGS…`` in a subprocess; never a traceback, whatever happens."""
        done = subprocess.run(
            [sys.executable, "-m", "lienthong", "hub", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def cli_json(self, *args: str | Path) -> tuple[int, Any]:
        done = self.cli(*args, "--json")
        try:
            return done.returncode, json.loads(done.stdout)
        except ValueError:
            raise AssertionError(f"not JSON: {done.stdout!r} (stderr {done.stderr!r})") from None

    def ok(self, *args: str | Path) -> Any:
        """Run a ``--json`` command that must succeed; its JSON answer."""
        code, answer = self.cli_json(*args)
        assert code == 0, answer
        return answer

    def sql(self, statement: str, params: Sequence[Any] = ()) -> None:
        """Change the hub's database behind its back (to test that tampering is detected)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as connection:
                connection.execute(statement.replace("?", "%s"), params)
            return
        with sqlite3.connect(self.data_dir / "hub.sqlite3") as connection:
            connection.execute(statement, params)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read the hub's database directly (``?`` placeholders, both profiles): what is stored,
        whatever the API says."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as connection:
                return list(connection.execute(statement.replace("?", "%s"), params).fetchall())
        connection = sqlite3.connect(self.data_dir / "hub.sqlite3", timeout=30)
        try:
            return list(connection.execute(statement, params).fetchall())
        finally:
            connection.close()


@contextmanager
def hub_instance(
    data_dir: Path,
    *,
    migrate: bool = True,
    settings: dict[str, str] | None = None,
    template: Hub | None = None,
) -> Iterator[Hub]:
    """A hub with its own data directory and database, migrated by ``lienthong hub migrate`` —
    or a copy of the stopped hub ``template`` (its data directory and database), which saves
    the migration and whatever setup the template had."""
    if template is not None:
        shutil.copytree(template.data_dir, data_dir, dirs_exist_ok=True)
        migrate = False
    with fresh_database(template.database_url if template else None) as database_url:
        hub = Hub(data_dir, database_url, dict(settings or {}))
        if migrate:
            hub.ok("migrate")
        yield hub


@dataclass
class LiveHub(Hub):
    """A hub whose HTTP server runs: ``base_url`` is ``http://127.0.0.1:<port>``."""

    base_url: str = ""
    log_path: Path | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(
    hub: Hub,
    log_path: Path,
    *,
    port: int | None = None,
    options: Sequence[str] = (),
    own_group: bool = False,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``lienthong hub serve``; retry on another port if the chosen one was taken (on the
    same ``port``, when one is given: a restarted hub keeps its address). ``own_group`` starts
    it in a process group of its own, which its server processes share."""
    for _ in range(3):
        chosen = port or free_port()
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "lienthong", "hub", "serve",
                    "--port", str(chosen), *options,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=hub.env,
                start_new_session=own_group,
            )  # fmt: skip
        base_url = f"http://127.0.0.1:{chosen}"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=1.0).status_code == 200:
                    return process, base_url
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        else:
            _stop(process)
            raise AssertionError(
                f"the hub did not answer in {START_TIMEOUT}s:\n{log_path.read_text()}"
            )
        if "address-unavailable" not in log_path.read_text():
            raise AssertionError(
                f"the hub exited with {process.returncode}:\n{log_path.read_text()}"
            )
        time.sleep(0.5)
    raise AssertionError(f"no free port found:\n{log_path.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> bool:
    """SIGTERM, then SIGKILL; True if it stopped by itself after SIGTERM."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)
        return False


@contextmanager
def live_hub(data_dir: Path, *, template: Hub | None = None) -> Iterator[LiveHub]:
    """A migrated hub (or a copy of ``template``) served by a real ``lienthong hub serve``
    process until the block ends.

    The server is stopped by its PID: SIGTERM, then SIGKILL if it does not stop in time (which
    fails the test: a hub must stop cleanly on SIGTERM).
    """
    with hub_instance(data_dir, template=template) as hub:
        log_path = data_dir / "serve.log"
        process, base_url = _start(hub, log_path)
        live = LiveHub(hub.data_dir, hub.database_url, base_url=base_url, log_path=log_path)
        try:
            yield live
        finally:
            stopped = _stop(process)
        assert stopped, f"the hub did not stop on SIGTERM:\n{live.log()}"
        # uvicorn shuts down gracefully, then re-raises the signal it caught (so a supervisor
        # sees the process end by SIGTERM, as it asked).
        assert process.returncode in (0, -signal.SIGTERM), live.log()
        assert "Finished server process" in live.log(), live.log()


@dataclass
class HubProcesses:
    """A hub's server (``lienthong hub serve``) and worker (``lienthong hub worker``), each
    killable with SIGKILL at any moment and restarted on the same port, data and database, as
    a supervisor (systemd, Kubernetes) would."""

    hub: Hub
    log_dir: Path
    server_processes: int = 1  # ``serve --workers``
    worker_interval: float = 0.2
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    kills: list[str] = field(default_factory=list)
    restart_seconds: float = 0.0  # time spent waiting for restarted servers to answer

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def server_log(self) -> Path:
        return self.log_dir / "serve.log"

    @property
    def worker_log(self) -> Path:
        return self.log_dir / "worker.log"

    def start_server(self) -> None:
        """Start the server and wait until it answers ``/health``."""
        assert self.server is None or self.server.poll() is not None, "the server is running"
        began = time.monotonic()
        self.server, _ = _start(
            self.hub,
            self.server_log,
            port=self.port,
            options=["--no-access-log", "--workers", str(self.server_processes)],
            own_group=True,
        )
        if self.kills:
            self.restart_seconds += time.monotonic() - began

    def start_worker(self) -> None:
        assert self.worker is None or self.worker.poll() is not None, "the worker is running"
        with self.worker_log.open("ab") as log:
            self.worker = subprocess.Popen(
                [
                    sys.executable, "-m", "lienthong", "hub", "worker",
                    "--interval", str(self.worker_interval),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.hub.env,
            )  # fmt: skip

    def kill_server(self) -> None:
        """``kill -9`` the server, whatever it is doing: its process and, with several
        ``--workers``, every server process (they are all in the group it leads)."""
        self.kills.append("server")
        assert self.server is not None, "nothing to kill: it was never started"
        if self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(STOP_TIMEOUT)

    def kill_worker(self) -> None:
        self.kills.append("worker")
        _kill(self.worker)

    def stop(self) -> None:
        """SIGTERM both (SIGKILL after a while); what is already gone stays gone."""
        for process in (self.server, self.worker):
            if process is not None:
                _stop(process)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-20000:]}"
            for path in (self.server_log, self.worker_log)
            if path.exists()
        )


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    assert process is not None, "nothing to kill: it was never started"
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(STOP_TIMEOUT)

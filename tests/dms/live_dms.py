"""A real dms install for browser tests: its own data directory and database, ``lienthong dms``
run in subprocesses, ``lienthong dms serve`` on a free loopback port."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.hub.live import free_port


@contextmanager
def fresh_dms_database() -> Iterator[str | None]:
    """A new PostgreSQL database when the run uses PostgreSQL for the dms; else None."""
    server_url = os.environ.get("LIENTHONG_DMS_DATABASE_URL")
    if not server_url:
        yield None
        return
    import psycopg
    from psycopg import sql

    name = f"lienthong_dms_live_{secrets.token_hex(6)}"
    parts = urlsplit(server_url)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class LiveDms:
    data_dir: Path
    database_url: str | None
    trust_anchor: Path
    base_url: str = ""

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("LIENTHONG_") and k != "DJANGO_SETTINGS_MODULE"
        }
        env["LIENTHONG_DMS_DATA_DIR"] = str(self.data_dir)
        env["LIENTHONG_DMS_TRUST_ANCHORS"] = str(self.trust_anchor)
        if self.database_url:
            env["LIENTHONG_DMS_DATABASE_URL"] = self.database_url
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def cli(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "lienthong", "dms", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=180,
            env=self.env,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def ok(self, *args: str | Path) -> Any:
        done = self.cli(*args, "--json") if args[0] != "worker" else self.cli(*args)
        assert done.returncode == 0, (done.stdout, done.stderr)
        return json.loads(done.stdout) if args[0] != "worker" else done.stderr


@contextmanager
def live_dms(data_dir: Path, trust_anchor: Path) -> Iterator[LiveDms]:
    with fresh_dms_database() as database_url:
        dms = LiveDms(data_dir, database_url, trust_anchor)
        dms.ok("migrate")
        log_path = data_dir / "serve.log"
        port = free_port()
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "lienthong", "dms", "serve", "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dms.env,
            )
        dms.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{dms.base_url}/login/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        try:
            yield dms
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)

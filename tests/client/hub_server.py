"""A real hub for the client's tests: its own SQLite data directory, migrated, registered and
served by uvicorn, each step a subprocess — the client talks to it over HTTP only, as any
connected system would.

The subprocesses never see the suite's ``LIENTHONG_*`` variables (a PostgreSQL URL among them):
one hub's state lives in its data directory, whatever profile the rest of the suite runs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SETTINGS = "tests.client.hub_settings"
REPOSITORY = Path(__file__).resolve().parents[2]


def hub_environment(data_dir: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LIENTHONG_") and name != "DJANGO_SETTINGS_MODULE"
    }
    env["LIENTHONG_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")]))
    return env


def run_python(data_dir: Path, args: Sequence[str], *, timeout: float = 120) -> str:
    """Run ``python ARGS`` against the hub in ``data_dir``; its standard output."""
    done = subprocess.run(
        [sys.executable, *args],
        env=hub_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def run_in_hub(data_dir: Path, code: str) -> str:
    """Run ``code`` inside the hub's Django (registry services, models) in a subprocess."""
    prelude = "import django, json\ndjango.setup()\n"
    return run_python(data_dir, ["-c", prelude + code])


def migrate(data_dir: Path) -> None:
    run_python(data_dir, ["-m", "lienthong.sites.hub.manage", "migrate", "--verbosity", "0"])


def add_trust_anchor(data_dir: Path, pem_path: Path) -> None:
    run_in_hub(
        data_dir,
        "from pathlib import Path\n"
        "from lienthong.hub.registry.services import add_trust_anchor\n"
        f"add_trust_anchor(Path({str(pem_path)!r}).read_bytes())\n",
    )


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str


def register(
    data_dir: Path, agencies: dict[str, str], systems: dict[str, list[str]]
) -> dict[str, Credentials]:
    """Register ``agencies`` (code → name) and ``systems`` (name → agency codes); the systems'
    credentials, by name."""
    printed = run_in_hub(
        data_dir,
        "from lienthong.hub.registry import services\n"
        f"for code, name in {agencies!r}.items():\n"
        "    services.add_agency(code, name)\n"
        "created = {}\n"
        f"for name, codes in {systems!r}.items():\n"
        "    system = services.add_system(name, codes)\n"
        "    created[name] = [system.client_id, system.client_secret]\n"
        "print(json.dumps(created))\n",
    )
    return {name: Credentials(*pair) for name, pair in json.loads(printed).items()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(data_dir: Path, port: int | None = None, *, ready_within: float = 30) -> Iterator[str]:
    """Serve the hub in ``data_dir`` with uvicorn until the block ends; yields its base URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / f"uvicorn-{port}.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "lienthong.sites.hub.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            env=hub_environment(data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, server, log_path, ready_within)
        yield url
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _wait_until_healthy(
    url: str, server: subprocess.Popen[bytes], log_path: Path, within: float
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the hub server exited:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"the hub server was not healthy within {within} s")

"""The demo's child processes: started in sessions of their own (Ctrl-C reaches the demo
only, which stops them in order), tied to the demo's life (Linux: they get SIGTERM if it dies),
logged to files, stopped with SIGTERM then SIGKILL of their whole process group."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

STOP_SECONDS = 15.0
_PR_SET_PDEATHSIG = 1


class DemoError(Exception):
    """Something the person running the demo must fix: a one-line message, exit code 2."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived while the demo was starting."""


def _own_session_tied_to_parent() -> None:
    os.setsid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def clean_env(settings: dict[str, str]) -> dict[str, str]:
    """This environment without any LIENTHONG_* or Django setting, plus ``settings``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LIENTHONG_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(settings)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Supervisor:
    """Every process the demo started, and the stop signal it received."""

    log_dir: Path
    stop_requested: threading.Event = field(default_factory=threading.Event)
    children: list[Child] = field(default_factory=list)

    def install_signal_handlers(self) -> None:
        def requested(signum: int, _frame: object) -> None:
            self.stop_requested.set()

        signal.signal(signal.SIGINT, requested)
        signal.signal(signal.SIGTERM, requested)

    def check_interrupted(self) -> None:
        if self.stop_requested.is_set():
            raise Interrupted()

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                preexec_fn=_own_session_tied_to_parent,  # ours: the demo has no threads
            )
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def wait_until(self, child: Child, ready: Callable[[], bool], *, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self.check_interrupted()
            if child.process.poll() is not None:
                raise DemoError(
                    f"{child.name} exited with {child.process.returncode} while starting "
                    f"(log {child.log}):\n{child.tail()}"
                )
            if time.monotonic() > deadline:
                raise DemoError(f"{child.name} did not answer in {timeout:.0f}s (log {child.log})")
            time.sleep(0.1)

    def spawn(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        """Start a step that runs to its end (its standard output is kept for :meth:`finish`)."""
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as err:
            process = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", *argv],
                stdout=subprocess.PIPE,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=env,
                preexec_fn=_own_session_tied_to_parent,  # ours: the demo has no threads
            )
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def finish(self, child: Child) -> str:
        """Wait for a step (interruptibly); its standard output. Fails with its log."""
        process = child.process
        while process.poll() is None:
            if self.stop_requested.wait(0.1):
                raise Interrupted()
        output = process.stdout.read().decode() if process.stdout else ""
        if process.stdout:
            process.stdout.close()
        self.children.remove(child)
        if process.returncode != 0:
            raise DemoError(f"{child.name} failed (exit {process.returncode}):\n{child.tail()}")
        return output

    def run(self, name: str, argv: Sequence[str], env: dict[str, str]) -> str:
        """Run a step to its end (interruptible); its standard output."""
        return self.finish(self.spawn(name, argv, env))

    def first_dead(self) -> Child | None:
        return next((c for c in self.children if c.process.poll() is not None), None)

    def stop_all(self) -> list[str]:
        """SIGTERM to every child's group, latest first, then SIGKILL what is left; the names
        of those that had to be killed."""
        killed: list[str] = []
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in reversed(self.children):
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                killed.append(child.name)
            _signal_group(child.process, signal.SIGKILL)  # stragglers of its group
            if child.process.poll() is None:
                child.process.wait(STOP_SECONDS)
            if child.process.stdout:
                child.process.stdout.close()
        self.children.clear()
        return killed


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def answers(url: str, *, status: int = 200) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == status
        except httpx.HTTPError:
            return False

    return ready


def listening(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", port)) == 0

    return ready

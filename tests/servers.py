"""Real server processes for the tests: `contacts serve` on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

CONTACTS = Path(sys.executable).parent / "contacts"
SECRET = "server-test-secret-that-is-long-enough-for-hs256-0123"
START_SECONDS = 20
CONFIGURATION = (
    "APP_ENV",
    "DATABASE_URL",
    "AUTH_JWT_SECRET",
    "AUTH_JWKS_URL",
    "AUTH_ISSUER",
    "AUTH_AUDIENCE",
    "PUBLIC_URL",
    "INVITATION_TTL_DAYS",
    "INVITATION_REMINDER_DAYS",
    "ACCESS_REVIEW_DAYS",
    "SCHEDULER",
    "SCHEDULER_INTERVAL_SECONDS",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "MAIL_FROM",
    "MAIL_DIR",
    "OUTBOX_MAX_ATTEMPTS",
    "OUTBOX_RETRY_SECONDS",
    "REDIS_URL",
    "RATE_LIMIT_PER_ACCOUNT",
    "RATE_LIMIT_PER_ADDRESS",
    "FORWARDED_ALLOW_IPS",
    "CORS_ALLOW_ORIGINS",
    "METRICS",
    "CONTACTS_STATE_DIR",
    "PROMETHEUS_MULTIPROC_DIR",
)


def environment(directory: Path, secret: str = SECRET) -> dict[str, str]:
    """The process environment without this service's settings, plus a fresh SQLite file."""
    env = {key: value for key, value in os.environ.items() if key not in CONFIGURATION}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{directory / 'contacts.db'}",
            "AUTH_JWT_SECRET": secret,
            "MAIL_DIR": str(directory / "mail"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def contacts(*arguments: str, env: dict[str, str], cwd: Path) -> str:
    """Run the `contacts` command; its standard output."""
    result = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(CONTACTS), *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log: Path

    def token(self, email: str, name: str | None = None) -> str:
        arguments = ["token", email, *(["--name", name] if name else [])]
        return contacts(*arguments, env=self.env, cwd=self.log.parent).strip()


@contextlib.contextmanager
def run_server(
    directory: Path,
    *,
    env: dict[str, str] | None = None,
    seed: bool = False,
    workers: int = 1,
    name: str = "server",
) -> Iterator[RunningServer]:
    """Start `contacts serve`, wait until /healthz answers, and stop it by its PID after."""
    with start_server(directory, env=env, seed=seed, workers=workers, name=name) as server:
        wait_until_healthy(server)
        yield server


@contextlib.contextmanager
def start_server(
    directory: Path,
    *,
    env: dict[str, str] | None = None,
    seed: bool = False,
    workers: int = 1,
    name: str = "server",
) -> Iterator[RunningServer]:
    """Start `contacts serve` without waiting for it; stop it by its PID after."""
    env = env or environment(directory)
    if seed:
        contacts("seed-demo", env=env, cwd=directory)
    port = free_port()
    log = directory / f"{name}.log"
    command = [str(CONTACTS), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [*command, "--workers", str(workers)],
            env=env,
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(f"http://127.0.0.1:{port}", process, env, log)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_until_healthy(server: RunningServer) -> None:
    deadline = time.monotonic() + START_SECONDS
    with httpx.Client(base_url=server.url, timeout=5) as client:
        while True:
            assert server.process.poll() is None, f"the server exited:\n{server.log.read_text()}"
            try:
                client.get("/healthz")
                return
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"no answer:\n{server.log.read_text()}"
                time.sleep(0.1)


class RedisServer:
    """A redis-server of the test's own on a free loopback port, which the test may stop and
    start again (never the shared one on 6379)."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self._process is None, "already running"
        self._process = subprocess.Popen(  # noqa: S603 - the machine's redis-server
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

"""Processes of the benchmark: start, wait until healthy, CPU time from /proc, stop by PID."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_SECONDS = 60
STOP_SECONDS = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (field 3 is index 0)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2 :].split()


def _comm(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def start_time(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for pid in _all_pids():
        fields = _stat(pid)
        if fields is not None:
            parents[pid] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent:
                found.append(pid)
                frontier.append(pid)
    return found


Snapshot = dict[tuple[int, int], float]


def cpu_snapshot(pids: list[int]) -> Snapshot:
    """User + system CPU seconds of each process, keyed by (PID, start time)."""
    snapshot: Snapshot = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:  # utime and stime: fields 14 and 15 of proc_pid_stat(5)
            snapshot[(pid, int(fields[19]))] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return snapshot


def cpu_used(before: Snapshot, after: Snapshot) -> float:
    """CPU used between two snapshots by the processes alive at the second (all of it for a
    process started in between); a process that ended in between takes its time with it."""
    return sum(seconds - before.get(key, 0.0) for key, seconds in after.items())


def postgresql_backends(database: str) -> list[int]:
    """The PostgreSQL backends connected to `database`, told by their process title
    ("postgres: [cluster:] user database host(port) activity")."""
    pids = []
    for pid in _all_pids():
        if _comm(pid) != "postgres":
            continue
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if database in title.split()[1:5]:
            pids.append(pid)
    return pids


def every_process() -> list[int]:
    """Every process on the machine but this one."""
    own = os.getpid()
    return [pid for pid in _all_pids() if pid != own]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Service:
    """A server process tree started by the benchmark, stopped by PID."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    known: dict[int, int | None] = field(default_factory=dict)

    @classmethod
    def start(
        cls, name: str, command: list[str], env: dict[str, str], cwd: Path, log: Path, port: int
    ) -> Service:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            process = subprocess.Popen(  # noqa: S603 - our own commands, fixed arguments
                command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT
            )
        service = cls(name, f"http://127.0.0.1:{port}", process, log)
        service.known[process.pid] = start_time(process.pid)
        return service

    def wait_until_healthy(self, workers: int) -> None:
        """Until /healthz answers and every worker process is up."""
        deadline = time.monotonic() + START_SECONDS
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited; see {self.log}")
                try:
                    if client.get("/healthz").status_code == 200 and (
                        len(self.pids()) >= workers + 1
                    ):
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not answer in time; see {self.log}")
                time.sleep(0.2)
        for pid in self.pids():
            self.known.setdefault(pid, start_time(pid))

    def pids(self) -> list[int]:
        return [self.process.pid, *descendants(self.process.pid)]

    def cpu_snapshot(self) -> Snapshot:
        return cpu_snapshot(self.pids())

    def resident_mb(self) -> list[float]:
        """The resident size of each of its processes (MB), largest first."""
        sizes = []
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sorted(sizes, reverse=True)

    def stop(self) -> None:
        """SIGTERM to the main process (uvicorn stops its workers), then any process of the
        tree still alive, by PID."""
        for pid in self.pids():
            self.known.setdefault(pid, start_time(pid))
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pid, started in self.known.items():
            if pid != self.process.pid and started is not None and start_time(pid) == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str,
    script: Path,
    requests_file: Path,
    *,
    clients: int,
    seconds: int,
) -> WrkResult:
    """One wrk run; its own CPU time comes from wait4's resource usage."""
    threads = max(1, min(clients, 2))
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={clients}",
        f"--duration={seconds}s",
        "--timeout=30s",
        f"--script={script}",
        url,
        "--",
        str(requests_file),
    ]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + seconds + 60
        usage: Any = None
        try:
            while usage is None:
                pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    usage = rusage
                    process.returncode = os.waitstatus_to_exitcode(status)
                elif time.monotonic() > deadline:
                    raise RuntimeError("wrk did not finish in time")
                else:
                    time.sleep(0.05)
        finally:
            if usage is None:
                process.kill()
                process.wait()
        output.seek(0)
        text = output.read().decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("WRK_JSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{text}")
    summary = json.loads(line.removeprefix("WRK_JSON "))
    errors = sum(
        summary[key]
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return WrkResult(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=errors,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )

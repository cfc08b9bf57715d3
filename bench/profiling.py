"""Where the server's time goes on the benchmark's contacts page: cProfile, in process.

    .venv/bin/python -m bench.profiling [--database postgresql|sqlite] [--requests 500] [--smoke]

Runs the app (server.create_app, as `contacts serve` builds it) in this process on the data
set of `make bench` (build it first), sends it the benchmark's page requests through httpx's
ASGI transport, and prints the CPU time by library (each function's own time, grouped by
the package its file belongs to; a C function's time goes to its caller's package), then
the functions with the most time of their own and the most time under them. CPU time, not
wall time: waiting for the database is not in it. No HTTP server, so no uvicorn/httptools cost is in it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import time
from collections import defaultdict
from pathlib import Path

import httpx

from bench import run

GROUPS = (
    ("graphql", "graphql-core (parse, validate, execute)"),
    ("strawberry", "strawberry"),
    ("sqlalchemy", "SQLAlchemy"),
    ("asyncpg", "asyncpg"),
    ("aiosqlite", "aiosqlite + sqlite3"),
    ("sqlite3", "aiosqlite + sqlite3"),
    ("starlette", "starlette"),
    ("cross_web", "strawberry"),
    ("jwt", "PyJWT + cryptography"),
    ("cryptography", "PyJWT + cryptography"),
    ("/json/", "json"),
    ("logging", "logging"),
    ("asyncio", "asyncio (event loop)"),
    ("prometheus_client", "prometheus_client"),
    ("httpx", "httpx (the client, not the server)"),
    ("httpcore", "httpx (the client, not the server)"),
)


def _group(filename: str) -> str:
    project = str(run.PROJECT)
    if filename.startswith(project) and "/.venv/" not in filename:
        relative = filename[len(project) + 1 :]
        return f"project: {relative.split('/')[0].removesuffix('.py')}"
    for needle, label in GROUPS:
        if f"/{needle}/" in filename or f"/{needle}.py" in filename or needle in filename:
            return label
    if filename.startswith(("~", "<")):
        return "builtins called by builtins"
    return "other Python"


async def _drive(app: object, requests: list[run.Request], count: int) -> float:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        started = time.perf_counter()
        for number in range(count):
            request = requests[number % len(requests)]
            response = await client.post(
                "/graphql",
                content=request.body,
                headers={
                    "Authorization": request.authorization,
                    "Content-Type": "application/json",
                },
            )
            response.raise_for_status()
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--kind", default="page", help="page, big_page, deep_page or search")
    parser.add_argument("--smoke", action="store_true", help="the smoke data set")
    parser.add_argument("--top", type=int, default=25)
    arguments = parser.parse_args(argv)
    config = run._config(["--smoke"] if arguments.smoke else [])
    workload, _facts = run._workload(config, arguments.database)
    os.environ.update(run._server_env(config, arguments.database))

    from contacts_api.runtime.settings import Settings
    from contacts_api.server import create_app

    app = create_app(Settings.from_environment())

    async def session() -> tuple[float, cProfile.Profile]:
        await _drive(app, workload.requests[arguments.kind], 50)  # warm: pools, caches
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        seconds = await _drive(app, workload.requests[arguments.kind], arguments.requests)
        profiler.disable()
        return seconds, profiler

    cpu_started = time.process_time()
    seconds, profiler = asyncio.run(session())
    cpu = time.process_time() - cpu_started
    stats = pstats.Stats(profiler)
    by_group: dict[str, float] = defaultdict(float)
    total = 0.0
    entries = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, own, _cumulative, callers) in entries.items():
        total += own
        if filename != "~" or not callers:
            by_group[_group(filename)] += own
            continue
        # A C function (a builtin, a method of a C type): its time goes to its callers.
        for (caller_file, _l, _n), caller_stats in callers.items():
            by_group[_group(caller_file)] += caller_stats[2]
    print(
        f"{arguments.requests} {arguments.kind} requests on {arguments.database}: "
        f"{seconds * 1000 / arguments.requests:.1f} ms each (wall) under the profiler "
        f"(process CPU {cpu * 1000 / (arguments.requests + 50):.1f} ms/request incl. warm-up)\n"
    )
    print("Own time by library (cProfile inflates call-heavy code; read it as proportions):")
    for label, own in sorted(by_group.items(), key=lambda item: -item[1]):
        print(f"  {own * 1000 / arguments.requests:7.2f} ms/req  {own / total:6.1%}  {label}")
    for order in ("tottime", "cumulative"):
        output = io.StringIO()
        pstats.Stats(profiler, stream=output).strip_dirs().sort_stats(order).print_stats(
            arguments.top
        )
        print(f"\nTop {arguments.top} by {order}:")
        print(output.getvalue().split("\n\n", 2)[-1].rstrip())
    Path(run.VAR).mkdir(parents=True, exist_ok=True)
    profile_path = run.VAR / f"profile-{arguments.database}-{arguments.kind}.pstats"
    stats.dump_stats(profile_path)
    print(f"\nwritten {profile_path.relative_to(run.PROJECT)} (open with python -m pstats)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

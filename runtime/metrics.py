"""Prometheus metrics that hold with any number of worker processes and under abuse.

- One view from any worker: `contacts serve` runs prometheus_client's multiprocess mode
  (`PROMETHEUS_MULTIPROC_DIR`, a fresh folder per start), so a scrape of any worker, or of the
  separate metrics port (`METRICS=<port>`), counts the requests of every worker.
- Bounded labels only: an operation is its name when it is one of the documents the project
  ships (`known_operations`), "anonymous" without a name and "other" otherwise; an outcome is
  "ok", "user_error", one of the GraphQL error codes the service answers with, or "error".
- The process's own figures (resident memory, CPU seconds, open files, garbage collections),
  one series per worker, kept current by each worker.
"""

from __future__ import annotations

import gc
import os
import resource
from collections.abc import Iterable

from graphql import OperationDefinitionNode, parse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
KNOWN_CODES = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "BAD_USER_INPUT",
        "BAD_REQUEST",
        "QUERY_TOO_COSTLY",
        "QUERY_TOO_DEEP",
        "TOO_MANY_ALIASES",
        "TOO_MANY_TOKENS",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "PERSISTED_QUERY_NOT_FOUND",
        "INTERNAL_SERVER_ERROR",
        "RATE_LIMITED",
        "PAYLOAD_TOO_LARGE",
        "UNSUPPORTED_MEDIA_TYPE",
        "METHOD_NOT_ALLOWED",
    }
)


def operation_names(documents: Iterable[str]) -> frozenset[str]:
    """The names of the operations that `documents` (GraphQL sources) define."""
    return frozenset(
        definition.name.value
        for document in documents
        for definition in parse(document).definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name is not None
    )


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIRECTORY))


class Metrics:
    def __init__(self, known_operations: frozenset[str] = frozenset()) -> None:
        self.known_operations = known_operations
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "graphql_requests",
            "GraphQL requests by operation name and outcome.",
            ["operation", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL request.",
            ["operation"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=registry,
        )
        self.outbox_backlog = Gauge(
            "outbox_backlog",
            "Emails waiting to be delivered.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.outbox_deliveries = Counter(
            "outbox_deliveries",
            "Delivery attempts of queued emails, by outcome (sent, retry, failed).",
            ["outcome"],
            registry=registry,
        )
        self.timed_work = Counter(
            "timed_work",
            "What the scheduler did, by job (reminded, expired, failed, digests, lapsed), "
            "and its failed passes (job=error).",
            ["job"],
            registry=registry,
        )
        self.rate_limit_fallbacks = Counter(
            "rate_limit_fallbacks",
            "Requests whose rate limit was counted in the process: Redis could not be reached.",
            registry=registry,
        )
        self.redis_reachable = Gauge(
            "redis_reachable",
            "1 when Redis answered the last readiness check, 0 when it did not.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        if multiprocess_mode():
            self._resident = Gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes, per worker.",
                registry=registry,
                multiprocess_mode="liveall",
            )
            self._cpu = Gauge(
                "process_cpu_seconds_total",
                "User and system CPU time in seconds, per worker.",
                registry=registry,
                multiprocess_mode="liveall",
            )
            self._collections = Gauge(
                "python_gc_collections_total",
                "Garbage collections, per worker and generation.",
                ["generation"],
                registry=registry,
                multiprocess_mode="liveall",
            )
        else:
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
            GCCollector(registry=registry)

    def operation_label(self, name: str | None) -> str:
        if name is None:
            return "anonymous"
        return name if name in self.known_operations else "other"

    @staticmethod
    def outcome_label(codes: Iterable[str], user_errors: bool) -> str:
        """The response's outcome: its first error code, if it is a known one."""
        for code in codes:
            return code if code in KNOWN_CODES else "error"
        return "user_error" if user_errors else "ok"

    def observe_process(self) -> None:
        """Bring this worker's own figures up to date (multiprocess mode)."""
        if not multiprocess_mode():
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu.set(usage.ru_utime + usage.ru_stime)
        try:
            with open("/proc/self/statm") as statm:
                self._resident.set(int(statm.read().split()[1]) * resource.getpagesize())
        except OSError:
            self._resident.set(usage.ru_maxrss * 1024)
        for generation, stats in enumerate(gc.get_stats()):
            self._collections.labels(str(generation)).set(stats["collections"])

    def exposition(self) -> bytes:
        """The text a scrape reads: every worker's metrics in multiprocess mode."""
        if multiprocess_mode():
            self.observe_process()
            return exposition_of_every_worker()
        return generate_latest(self.registry)

    @staticmethod
    def worker_stopped() -> None:
        if multiprocess_mode():
            multiprocess.mark_process_dead(os.getpid())


def exposition_of_every_worker() -> bytes:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


def serve_every_worker(host: str, port: int) -> None:
    """Serve `/metrics` of every worker on a port of its own, from a thread of this process."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr=host, registry=registry)

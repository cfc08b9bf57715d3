"""Operations: one JSON log line per request, SQL statement counts, Prometheus metrics."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "sql_statements", default=None
)


class StatementCounter:
    """Counts the SQL statements a request runs (the engine reports each to the request's
    counter through a context variable)."""

    def __init__(self) -> None:
        self._cell = [0]
        self._token = _statements.set(self._cell)

    @property
    def count(self) -> int:
        return self._cell[0]

    def close(self) -> None:
        _statements.reset(self._token)


def count_statements(engine: AsyncEngine) -> None:
    def before_cursor_execute(*_args: Any) -> None:
        cell = _statements.get()
        if cell is not None:
            cell[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "graphql_requests",
            "GraphQL requests by operation name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL request.",
            ["operation"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "outbox_backlog",
            "Emails waiting to be delivered.",
            registry=self.registry,
        )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "observability.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "uvicorn": {"level": "INFO"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
"""uvicorn's logging, in JSON; access lines are left out, the request log says more."""

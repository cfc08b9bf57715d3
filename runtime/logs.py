"""Logs: one JSON line per request (with its SQL statement count), a few KB at most."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from contacts_api.models.text import storable

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
        statement_sent()

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


def statement_sent() -> None:
    """One more statement for the request's counter (for those sent on a driver's
    connection directly, which SQLAlchemy's events do not see)."""
    cell = _statements.get()
    if cell is not None:
        cell[0] += 1


MAX_MESSAGE_CHARACTERS = 1000
MAX_FIELD_CHARACTERS = 200
MAX_TRACEBACK_CHARACTERS = 4000


class JsonFormatter(logging.Formatter):
    """One JSON object a line, a few KB at most whatever a request carried: long values are
    cut, a traceback keeps its end (where the exception is), and text that cannot be encoded
    (a lone surrogate) is escaped."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _cut(record.getMessage(), MAX_MESSAGE_CHARACTERS),
        }
        for name, value in getattr(record, "fields", {}).items():
            entry[name] = _cut(value, MAX_FIELD_CHARACTERS) if isinstance(value, str) else value
        if record.exc_info:
            traceback = self.formatException(record.exc_info)
            if len(traceback) > MAX_TRACEBACK_CHARACTERS:
                traceback = "…" + traceback[-MAX_TRACEBACK_CHARACTERS:]
            entry["traceback"] = traceback
        line = json.dumps(entry, ensure_ascii=False, default=str)
        return line if storable(line) else json.dumps(entry, ensure_ascii=True, default=str)


def _cut(text: str, maximum: int) -> str:
    return text if len(text) <= maximum else text[:maximum] + "…"


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "contacts_api.runtime.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "uvicorn": {"level": "INFO"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
"""uvicorn's logging, in JSON; access lines are left out, the request log says more."""

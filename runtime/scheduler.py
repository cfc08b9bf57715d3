"""The scheduler: the timed work of `rules.timed_work`, pass after pass, beside the outbox
sender (which delivers the emails the jobs queue).

It runs in every server process (unless SCHEDULER=off) and in `contacts jobs run --watch`;
any number of them may run at once on any number of hosts, since every job claims what it
does in the database. Each pass reads the time from one clock, which tests move.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_api.models.database import RequestSession
from contacts_api.rules.catalogue import Catalogue, CatalogueCache
from contacts_api.rules.timed_work import Done, TimedWork
from contacts_api.runtime.settings import Settings

logger = logging.getLogger("contacts.scheduler")


class Scheduler:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        catalogue: CatalogueCache | None = None,
        on_done: Callable[[str, int], None] = lambda _job, _count: None,
    ) -> None:
        """`on_done(job, count)` hears what each pass did (and `("error", 1)` for a pass
        that failed)."""
        cache = catalogue or CatalogueCache()

        async def catalogue_of(session: AsyncSession) -> Catalogue:
            return await cache.get(RequestSession(session))

        self.work = TimedWork(sessions, settings, catalogue_of)
        self._clock = clock
        self._on_done = on_done
        self._interval = settings.scheduler_interval_seconds

    async def run_once(self) -> Done:
        """One pass of every job, at the clock's time."""
        done = await self.work.run_due(self._clock())
        for job, count in dataclasses.asdict(done).items():
            if count:
                self._on_done("error" if job == "errors" else job, count)
        if done.total():
            logger.info(
                "timed work: %s", ", ".join(f"{k} {v}" for k, v in dataclasses.asdict(done).items())
            )
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass until `stop` is set; a failed pass is logged and retried later."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                self._on_done("error", 1)
                logger.exception("timed work failed; trying again in %s s", self._interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._interval)

"""Rate limits per account and per client address, over fixed one-minute windows.

With REDIS_URL the counters live in Redis, so every server process on every host shares them;
without it each process counts in memory (enough for one process, and for development).
Redis is an auxiliary: while it cannot be reached, each process counts in memory again (with
one warning, and the `rate_limit_fallbacks_total` metric), tries Redis again every few seconds,
and shares the counts once more as soon as it answers. A request never fails because Redis is
down.

Every answer says where the caller stands, as GitHub's API does: `x-ratelimit-limit`,
`x-ratelimit-remaining`, `x-ratelimit-used` and `x-ratelimit-reset` (the end of the window,
in seconds since the epoch), so that clients can slow down before a 429.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger("contacts.rate_limits")

WINDOW_SECONDS = 60
REDIS_TIMEOUT_SECONDS = 0.25
REDIS_RETRY_SECONDS = 5.0


class Counter(Protocol):
    async def hit(self, key: str) -> tuple[int, float]:
        """Count one request under `key`: the count in this window and when the window ends
        (seconds since the epoch)."""
        ...


class MemoryCounter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str) -> tuple[int, float]:
        window = int(time.time() // WINDOW_SECONDS)
        if len(self._windows) > 100_000:
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        start, count = self._windows.get(key, (window, 0))
        count = count + 1 if start == window else 1
        self._windows[key] = (window, count)
        return count, float((window + 1) * WINDOW_SECONDS)


class RedisCounter:
    """Counts in Redis, or in `fallback` while Redis cannot be reached."""

    def __init__(
        self,
        url: str,
        *,
        fallback: MemoryCounter | None = None,
        on_fallback: Callable[[], None] = lambda: None,
        prefix: str = "contacts:rate",
    ) -> None:
        self._redis = Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._prefix = prefix
        self._fallback = fallback or MemoryCounter()
        self._on_fallback = on_fallback
        self._retry_at = 0.0
        self.degraded = False

    async def hit(self, key: str) -> tuple[int, float]:
        if time.monotonic() < self._retry_at:
            self._on_fallback()
            return await self._fallback.hit(key)
        window = int(time.time() // WINDOW_SECONDS)
        name = f"{self._prefix}:{key}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipeline:
                pipeline.incr(name)
                pipeline.expire(name, WINDOW_SECONDS + 5)
                count, _ = await pipeline.execute()
        except (RedisError, OSError) as error:
            if not self.degraded:
                logger.warning(
                    "Redis cannot be reached (%s): rate limits are counted per process "
                    "until it answers again",
                    type(error).__name__,
                )
            self.degraded = True
            self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
            self._on_fallback()
            return await self._fallback.hit(key)
        if self.degraded:
            logger.warning("Redis answers again: rate limits are shared again")
            self.degraded = False
        return int(count), float((window + 1) * WINDOW_SECONDS)

    async def reachable(self) -> bool:
        try:
            answer = self._redis.ping()
            return bool(await answer) if isinstance(answer, Awaitable) else bool(answer)
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a caller stands in its tightest window."""

    limit: int
    used: int
    reset_at: float

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(min(self.used, self.limit)),
            "x-ratelimit-reset": str(int(self.reset_at)),
        }


@dataclass
class RateLimiter:
    counter: Counter
    per_account: int
    per_address: int

    async def check(self, *, address: str | None, subject: str | None) -> Standing | None:
        """Count the request against its address and its account: the standing in the window
        that is exceeded, else in the account's (the address's for anonymous callers)."""
        standings = []
        if address:
            count, reset_at = await self.counter.hit(f"address:{address}")
            standings.append(Standing(self.per_address, count, reset_at))
        if subject:
            count, reset_at = await self.counter.hit(f"account:{subject}")
            standings.append(Standing(self.per_account, count, reset_at))
        exceeded = [standing for standing in standings if standing.exceeded]
        chosen = exceeded or standings
        return chosen[-1] if chosen else None

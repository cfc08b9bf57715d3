"""Rate limits per account and per client address, over fixed one-minute windows.

With REDIS_URL the counters live in Redis, so every server process shares them; without it
each process counts in memory (enough for one process, and for development).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

WINDOW_SECONDS = 60


class Counter(Protocol):
    async def hit(self, key: str) -> tuple[int, float]:
        """Count one request under `key`: the count in this window and the seconds left."""
        ...


class MemoryCounter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str) -> tuple[int, float]:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        if len(self._windows) > 100_000:
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        start, count = self._windows.get(key, (window, 0))
        count = count + 1 if start == window else 1
        self._windows[key] = (window, count)
        return count, (window + 1) * WINDOW_SECONDS - now


class RedisCounter:
    def __init__(self, url: str, *, prefix: str = "contacts:rate") -> None:
        self._redis = Redis.from_url(url)
        self._prefix = prefix

    async def hit(self, key: str) -> tuple[int, float]:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        name = f"{self._prefix}:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipeline:
            pipeline.incr(name)
            pipeline.expire(name, WINDOW_SECONDS + 5)
            count, _ = await pipeline.execute()
        return int(count), (window + 1) * WINDOW_SECONDS - now

    async def close(self) -> None:
        await self._redis.aclose()


@dataclass
class RateLimiter:
    counter: Counter
    per_account: int
    per_address: int

    async def retry_after(self, *, address: str | None, subject: str | None) -> int | None:
        """Seconds to wait when a limit is exceeded, None when the request may go on."""
        checks = []
        if address:
            checks.append((f"address:{address}", self.per_address))
        if subject:
            checks.append((f"account:{subject}", self.per_account))
        for key, limit in checks:
            count, seconds_left = await self.counter.hit(key)
            if count > limit:
                return max(1, math.ceil(seconds_left))
        return None

"""Leaky buckets of query-cost points, one per client, in process or shared through Redis.

A bucket holds up to ``capacity`` points and refills at ``restore_rate`` points a second. A
request takes its requested cost when that many points are available and is refused otherwise;
after execution the difference between the requested and the actual cost is given back. The
in-process bucket serves one worker; with ``GUILU_REDIS_URL`` set, every worker shares the
buckets in Redis, where one Lua script leaks and takes atomically against the server's clock.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.config import Settings

__all__ = ["MemoryThrottle", "RedisThrottle", "Throttle", "ThrottleStatus", "create_throttle"]

log = logging.getLogger("guilu")


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    """The outcome of a take: whether it was allowed, and the points left afterwards."""

    allowed: bool
    available: float
    capacity: int
    restore_rate: float

    def seconds_until(self, cost: int) -> float:
        """Seconds until ``cost`` points are available (0 when they are now)."""
        return max(0.0, (cost - self.available) / self.restore_rate)


class Throttle(Protocol):
    """A set of leaky buckets keyed by client."""

    capacity: int
    restore_rate: float

    async def take(self, key: str, cost: int) -> ThrottleStatus:
        """Take ``cost`` points from ``key``'s bucket if it holds them; a negative cost gives points back."""
        ...


class MemoryThrottle:
    """Buckets in a dict behind a lock: for one worker process, or tests (``clock`` can be faked).

    Parameters
    ----------
    capacity
        Points a full bucket holds.
    restore_rate
        Points restored per second.
    clock
        Seconds from any fixed origin; ``time.monotonic`` by default.
    """

    def __init__(self, capacity: int, restore_rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (points available, when they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, cost: int) -> ThrottleStatus:
        with self._lock:
            now = self._clock()
            available, at = self._buckets.get(key, (float(self.capacity), now))
            available = min(float(self.capacity), available + max(0.0, now - at) * self.restore_rate)
            allowed = cost <= available
            if allowed:
                available = min(float(self.capacity), available - cost)
            if available >= self.capacity:
                self._buckets.pop(key, None)  # a full bucket is the default: keep the dict small
            else:
                self._buckets[key] = (available, now)
        return ThrottleStatus(allowed, available, self.capacity, self.restore_rate)


# KEYS[1]: the bucket; ARGV: capacity, restore rate, cost (negative gives back), time to live in seconds.
# The server's TIME is the clock, so workers on several hosts agree. Numbers go back as strings:
# Redis would truncate a Lua number to an integer.
_TAKE_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'available', 'at')
local available = tonumber(state[1])
local at = tonumber(state[2])
if available == nil or at == nil then
  available = capacity
  at = now
end
available = math.min(capacity, available + math.max(0, now - at) * rate)
local allowed = 0
if cost <= available then
  available = math.min(capacity, available - cost)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'available', tostring(available), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {allowed, tostring(available)}
"""


class RedisThrottle:
    """Buckets in Redis hashes shared by every worker; a bucket's key expires once it would be full again.

    When Redis cannot be reached the request goes through (logged): throttling protects the
    service, and an outage of Redis should not take the API down with it.

    Parameters
    ----------
    redis
        An asyncio client.
    capacity, restore_rate
        As for :class:`MemoryThrottle`.
    key_prefix
        Put before every client key (several deployments may share one Redis).
    """

    def __init__(self, redis: Redis, capacity: int, restore_rate: float, *, key_prefix: str) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.redis = redis
        self.key_prefix = key_prefix
        self._script = redis.register_script(_TAKE_SCRIPT)
        self._ttl_seconds = math.ceil(capacity / restore_rate) + 1

    async def take(self, key: str, cost: int) -> ThrottleStatus:
        try:
            allowed, available = await self._script(
                keys=[self.key_prefix + key], args=[self.capacity, self.restore_rate, cost, self._ttl_seconds]
            )
        except RedisError as error:
            log.warning("query throttle: Redis unavailable, request not throttled: %s", error)
            return ThrottleStatus(True, float(self.capacity), self.capacity, self.restore_rate)
        return ThrottleStatus(bool(allowed), float(available), self.capacity, self.restore_rate)

    async def close(self) -> None:
        """Close the client's connections."""
        await self.redis.aclose()


def create_throttle(settings: Settings) -> Throttle:
    """The buckets ``settings`` ask for: in Redis when ``GUILU_REDIS_URL`` is set, in process otherwise."""
    if settings.redis_url:
        return RedisThrottle(
            Redis.from_url(settings.redis_url),
            settings.throttle_capacity,
            settings.throttle_restore_rate,
            key_prefix=settings.redis_key_prefix + "throttle:",
        )
    return MemoryThrottle(settings.throttle_capacity, settings.throttle_restore_rate)

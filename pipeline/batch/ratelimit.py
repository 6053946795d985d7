"""Zoom's rate limits honoured by every worker of a cluster at once.

When Zoom answers 429 with Retry-After, the worker that got it records in Redis the moment
until which the account must rest; every worker's Zoom client waits for that moment before
its next request (API calls and downloads alike), so the cluster does not keep knocking while
one of its members is being told to wait."""

from __future__ import annotations

import time
from collections.abc import Callable

KEY = "pipeline:zoom:resume_at"

# Move the resume moment to ARGV[1] unless a later one is recorded; expire after ARGV[2] ms.
_LATER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
end
return redis.call('GET', KEYS[1])
"""


class ClusterZoomGate:
    """A `ZoomClient` gate shared through Redis. `sleep` and `clock` are the real ones unless
    a caller needs otherwise; the clock is wall time because workers on several machines
    compare it."""

    def __init__(
        self,
        redis_url: str,
        *,
        key: str = KEY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_wait: float = 300.0,
    ):
        import redis

        self.redis = redis.Redis.from_url(redis_url)
        self.key = key
        self.sleep = sleep
        self.clock = clock
        self.max_wait = max_wait
        self._later = self.redis.register_script(_LATER)

    def resume_at(self) -> float:
        """Wall-clock time (epoch seconds) before which no worker may call Zoom; 0 if none."""
        value = self.redis.get(self.key)
        return float(value) if value else 0.0

    def wait(self) -> float:
        """Block until the cluster may call Zoom again. Returns the seconds waited."""
        waited = 0.0
        while True:
            delay = min(self.resume_at() - self.clock(), self.max_wait - waited)
            if delay <= 0:
                return waited
            self.sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Zoom asked for `seconds` of rest: make every worker wait until then (a later
        moment already recorded wins)."""
        until = self.clock() + seconds
        self._later(keys=[self.key], args=[repr(until), int(seconds * 1000) + 60_000])

    def close(self) -> None:
        self.redis.close()

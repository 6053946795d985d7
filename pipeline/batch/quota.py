"""One YouTube quota budget for every worker of a cluster, kept in Redis.

YouTube counts units per project per Pacific day (reset at midnight Pacific). Before a
publish, a worker reserves the units that publish will spend (from the documented costs);
when they do not fit in what is left of the day, the publish is deferred to the reset instead
of failing. A reservation is made once per recording and day, so a task that Celery delivers
again (a worker killed mid-publish) does not pay twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline.services.youtube import quota_reset_time

PACIFIC = ZoneInfo("America/Los_Angeles")

#: units per call, as YouTube documents them (videos.insert budgeted at the older 1,600)
UNIT_COSTS = {
    "videos.insert": 1600,
    "videos.list": 1,
    "videos.update": 50,
    "thumbnails.set": 50,
    "captions.insert": 400,
    "playlistItems.insert": 50,
}

# Reserve ARGV[2] units for member ARGV[1] in the day's hash unless it already holds a
# reservation (idempotent) or the day's total would pass ARGV[3]. 1 = reserved, 0 = no room.
_RESERVE = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
local used = tonumber(redis.call('HGET', KEYS[1], '_used') or '0')
if used + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], '_used', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return 1
"""


def publish_cost(*, upload: bool, thumbnail: bool, captions: bool, playlist: bool) -> int:
    """Units one publish spends: an upload (or a read and an update of the existing video),
    then the thumbnail, the caption track and the playlist entry when there are any."""
    calls = ["videos.insert"] if upload else ["videos.list", "videos.update"]
    calls += ["thumbnails.set"] * thumbnail + ["captions.insert"] * captions
    calls += ["playlistItems.insert"] * playlist
    return sum(UNIT_COSTS[c] for c in calls)


def pacific_day(now: datetime) -> str:
    """The quota day `now` falls in (YYYY-MM-DD, Pacific time)."""
    return now.astimezone(PACIFIC).date().isoformat()


@dataclass(frozen=True)
class Reservation:
    #: True when the units are reserved and the publish may go ahead
    granted: bool
    units: int
    day: str
    #: when the day's quota resets (UTC): when a refused publish may try again
    resets_at: datetime


class QuotaBudget:
    """The day's units shared by every worker through one Redis database."""

    def __init__(self, redis_url: str, daily_units: int, *, prefix: str = "pipeline:quota"):
        import redis

        self.redis = redis.Redis.from_url(redis_url)
        self.daily_units = daily_units
        self.prefix = prefix
        self._reserve = self.redis.register_script(_RESERVE)

    def _key(self, day: str) -> str:
        return f"{self.prefix}:{day}"

    def reserve(self, member: str, units: int, now: datetime | None = None) -> Reservation:
        """Reserve `units` of today's budget for `member` (e.g. `publish:<uuid>`). Asking again
        for a member that holds a reservation today grants it without counting twice."""
        now = now or datetime.now(UTC)
        day, resets = pacific_day(now), quota_reset_time(now)
        ttl = int((resets - now).total_seconds()) + int(timedelta(days=2).total_seconds())
        granted = self._reserve(
            keys=[self._key(day)], args=[member, units, self.daily_units, ttl]
        )
        return Reservation(bool(granted), units, day, resets)

    def exhaust(self, now: datetime | None = None) -> datetime:
        """YouTube said the quota is spent (other spenders, older costs): nothing more is
        granted today. Returns the reset time."""
        now = now or datetime.now(UTC)
        key = self._key(pacific_day(now))
        self.redis.hset(key, "_used", self.daily_units)
        self.redis.expire(key, int(timedelta(days=3).total_seconds()))
        return quota_reset_time(now)

    def used(self, now: datetime | None = None) -> int:
        """Units reserved so far on the day of `now`."""
        value = self.redis.hget(self._key(pacific_day(now or datetime.now(UTC))), "_used")
        return int(value or 0)

    def close(self) -> None:
        self.redis.close()

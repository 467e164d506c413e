"""Quiet hours: no parent updates between 22:00 and 08:00 Hong Kong time."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

HONG_KONG = timezone(timedelta(hours=8), "HKT")  # no daylight saving
QUIET_FROM = time(22, 0)
QUIET_UNTIL = time(8, 0)


def is_quiet(moment: datetime) -> bool:
    """True between 22:00 and 08:00 in Hong Kong."""
    local = moment.astimezone(HONG_KONG).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def next_allowed(moment: datetime, *, urgent: bool = False) -> datetime:
    """The first moment at or after `moment` when a message may be sent (UTC)."""
    if urgent or not is_quiet(moment):
        return moment
    local = moment.astimezone(HONG_KONG)
    morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if local.time() >= QUIET_FROM:
        morning += timedelta(days=1)
    return morning.astimezone(timezone.utc)

"""A clock for broadcast workers in tests that are not about quiet hours.

The wall clock, moved forward just enough to be outside quiet hours (22:00-08:00
HKT) when the test starts, and running on from there: such tests pass at any
hour; quiet hours have tests of their own (tests/cld/test_quiet_hours.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from cld.models import utcnow
from cld.quiet_hours import next_allowed


def daytime_clock() -> Callable[[], datetime]:
    """A worker clock that never reads inside quiet hours, nor before now."""
    start = utcnow()
    shift = next_allowed(start) - start
    return lambda: utcnow() + shift

"""A clock for broadcast workers in tests that are not about quiet hours.

Now, or the next moment outside quiet hours (22:00-08:00 HKT): such tests pass
at any hour; quiet hours have tests of their own (tests/cld/test_quiet_hours.py).
"""

from datetime import datetime

from cld.models import utcnow
from cld.quiet_hours import next_allowed


def daytime_now() -> datetime:
    """The worker's clock: never inside quiet hours, never before now."""
    return next_allowed(utcnow())

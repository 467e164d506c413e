"""No parent updates between 22:00 and 08:00 Hong Kong time unless urgent."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cld.quiet_hours import HONG_KONG, is_quiet, next_allowed


def hk(hour, minute=0, day=3):
    return datetime(2026, 12, day, hour, minute, tzinfo=HONG_KONG)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [(hk(21, 59), False), (hk(22, 0), True), (hk(3, 0), True), (hk(7, 59), True)]
    + [(hk(8, 0), False), (hk(12, 0), False)],
)
def test_quiet_hours_are_ten_at_night_to_eight_in_the_morning(moment, quiet):
    assert is_quiet(moment) is quiet


def test_a_message_at_night_waits_for_eight_the_next_morning():
    assert next_allowed(hk(23, 30)) == hk(8, 0, day=4).astimezone(timezone.utc)


def test_a_message_before_dawn_waits_for_eight_the_same_morning():
    assert next_allowed(hk(5, 0)) == hk(8, 0).astimezone(timezone.utc)


def test_an_urgent_message_goes_at_once():
    assert next_allowed(hk(23, 30), urgent=True) == hk(23, 30)


def test_quiet_hours_follow_hong_kong_time_not_utc():
    # 15:00 UTC is 23:00 in Hong Kong.
    assert is_quiet(datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc))

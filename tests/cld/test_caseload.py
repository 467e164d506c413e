"""Need-to-know: a worker sees only young people who share with their unit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cld import caseload, roadmaps, services, staff, units
from cld.models import utcnow
from pathways_kb.db import session_scope

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(database):
    with session_scope() as session:
        for code in ("AAA", "BBB"):
            units.add_unit(session, code=code, name=code)
        made = {
            name: staff.create_account(
                session, username=name, password=PASSWORD, role=role, unit_code=unit
            )
            for name, role, unit in (
                ("amy", "worker", "AAA"),
                ("ben", "worker", "BBB"),
                ("root", "admin", None),
            )
        }
    return made


def youth(name, *, share=None, draft=True):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id=name)
        if draft:
            roadmaps.save_answer(
                session, profile_id=profile.id, section="stage", value="s6"
            )
        if share:
            roadmaps.share(
                session, profile_id=profile.id, unit_code=share, wording_version="v1"
            )
        return profile.id


def listed(account, **filters):
    with session_scope() as session:
        return caseload.youth_list(session, account=account, **filters)


def test_a_worker_sees_only_youth_sharing_with_their_unit(accounts):
    a = youth("a", share="AAA")
    youth("b", share="BBB")
    youth("c")
    assert [r.profile_id for r in listed(accounts["amy"])] == [a]


def test_an_admin_sees_no_young_person(accounts):
    youth("a", share="AAA")
    assert listed(accounts["root"]) == []


def test_another_units_young_person_is_not_found_by_alias(accounts):
    b = youth("b", share="BBB")
    alias = caseload.alias_of(b)
    with session_scope() as session:
        assert (
            caseload.find_visible(session, account=accounts["amy"], alias=alias) is None
        )
        assert caseload.find_visible(session, account=accounts["ben"], alias=alias) == b


def test_stopping_sharing_hides_the_young_person_at_once(accounts):
    a = youth("a", share="AAA")
    with session_scope() as session:
        roadmaps.share(session, profile_id=a, unit_code=None, wording_version="v1")
    assert listed(accounts["amy"]) == []


def test_status_and_flags_are_shown_and_filter_the_list(accounts):
    a = youth("a", share="AAA")
    with session_scope() as session:
        services.request_human(session, profile_id=a, reason="crisis", context="x")
    (row,) = listed(accounts["amy"])
    assert (row.status, row.stage, row.flags) == ("draft", "s6", ("crisis",))
    assert row.alias == caseload.alias_of(a) and row.alias.startswith("Y-")
    assert listed(accounts["amy"], flag="asked_for_person") == []
    assert listed(accounts["amy"], status="complete") == []
    assert [r.profile_id for r in listed(accounts["amy"], search=row.alias[-4:])] == [a]


def test_a_roadmap_not_reviewed_for_a_year_is_stale():
    now = utcnow()
    old = now - caseload.STALE_AFTER - timedelta(days=1)
    assert caseload._status(1, "{}", old, None, now) == "stale"
    assert caseload._status(1, "{}", old, now - timedelta(days=3), now) == "complete"
    assert caseload._status(0, "{}", None, None, now) == "none"

"""The audit log: ids and names only, each unit's supervisors read their own."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from cld import audit, caseload, services, staff, units
from pathways_kb.db import session_scope

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Cheap argon2 parameters (the real ones are slow on purpose)."""
    monkeypatch.setattr(
        staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
def accounts(database):
    with session_scope() as session:
        for code in ("AAA", "BBB"):
            units.add_unit(session, code=code, name=code)
        return {
            name: staff.create_account(
                session, username=name, password=PASSWORD, role=role, unit_code=unit
            )
            for name, role, unit in (
                ("amy", "worker", "AAA"),
                ("sam", "supervisor", "AAA"),
                ("ben", "worker", "BBB"),
                ("root", "admin", None),
            )
        }


@pytest.fixture
def profile_id(database):
    with session_scope() as session:
        return services.ensure_profile(session, channel="rest", channel_user_id="y").id


def record(account, action, **kwargs):
    with session_scope() as session:
        audit.record(session, account=account, action=action, **kwargs)


def log(account, **kwargs):
    with session_scope() as session:
        return audit.unit_log(session, account=account, **kwargs)


def test_a_supervisor_reads_their_units_events_newest_first(accounts, profile_id):
    record(accounts["amy"], "view_roadmap", profile_id=profile_id, detail="version=1")
    record(accounts["amy"], "add_note", profile_id=profile_id, detail="note=7")
    record(accounts["ben"], "view_roadmap", profile_id=profile_id)
    entries = log(accounts["sam"])
    assert [(e.username, e.action, e.alias, e.detail) for e in entries] == [
        ("amy", "add_note", caseload.alias_of(profile_id), "note=7"),
        ("amy", "view_roadmap", caseload.alias_of(profile_id), "version=1"),
    ]


def test_the_log_filters_by_action(accounts):
    record(accounts["amy"], "view_roadmap")
    record(accounts["amy"], "print_roadmap")
    assert [e.action for e in log(accounts["sam"], action="print_roadmap")] == [
        "print_roadmap"
    ]


def test_the_log_includes_sign_ins_of_the_unit(accounts):
    with session_scope() as session:
        staff.sign_in(session, username="amy", password=PASSWORD)
    assert [(e.username, e.action, e.alias) for e in log(accounts["sam"])] == [
        ("amy", "login", None)
    ]


def test_the_limit_keeps_the_newest(accounts):
    for number in range(5):
        record(accounts["amy"], "view_roadmap", detail=f"version={number}")
    assert [e.detail for e in log(accounts["sam"], limit=2)] == [
        "version=4",
        "version=3",
    ]


@pytest.mark.parametrize("who", ["amy", "root"])
def test_only_supervisors_read_the_log(accounts, who):
    with pytest.raises(LookupError):
        log(accounts[who])


@pytest.mark.parametrize(
    ("action", "detail"),
    [
        ("view roadmap", ""),
        ("", ""),
        ("x" * 41, ""),
        ("add_note", "the note said: I feel sad!"),
        ("add_note", "x" * 201),
    ],
)
def test_free_text_is_refused(accounts, action, detail):
    with pytest.raises(ValueError):
        record(accounts["amy"], action, detail=detail)
    assert log(accounts["sam"]) == []

"""A unit's parent updates: only its own parents, friendly errors, Hong Kong time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from cld import broadcasts, parents, unit_updates, units
from cld.broadcast_models import Broadcast, Delivery
from cld.unit_updates import ComposeError, Draft, NothingToCancel
from pathways_kb.db import session_scope
from tests.cld.parent_factory import add_parent

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=timezone.utc)
JUPAS = {"open_date": "4/10/2027", "close_date": "3/12/2027"}


@pytest.fixture
def unit_parents(database):
    with session_scope() as session:
        for code in ("AAA", "BBB"):
            units.add_unit(session, code=code, name=f"Unit {code}")
    return {
        "a_en": add_parent("a-en", address="1", unit="AAA"),
        "a_yue": add_parent(
            "a-yue", channel="whatsapp", address="+8521", language="yue", unit="AAA"
        ),
        "a_web": add_parent("a-web", channel="rest", unit="AAA"),
        "b_en": add_parent("b-en", address="2", unit="BBB"),
    }


def broadcast_count():
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(Broadcast)).scalar_one()


def draft(**changes):
    values = {
        "unit_code": "AAA",
        "template_id": "jupas_applications_open",
        "params": JUPAS,
    }
    return Draft(**{**values, **changes})


def broadcast_for(codes, template="jupas_applications_open"):
    with session_scope() as session:
        return broadcasts.create(
            session,
            template_id=template,
            params=JUPAS,
            audience=parents.Audience(unit_codes=tuple(codes)),
            created_by="cli",
        )


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ({"unit_codes": ["AAA"]}, True),
        ({"unit_codes": ["aaa"]}, True),
        ({"unit_codes": ["AAA", "BBB"]}, False),
        ({"unit_codes": []}, False),
        ({"unit_codes": ["AAAB"]}, False),
        ({"profile_id": 3}, False),
    ],
)
def test_a_broadcast_belongs_to_a_unit_only_when_it_names_exactly_that_unit(
    audience, expected
):
    assert unit_updates.belongs_to(json.dumps(audience), unit_code="AAA") is expected


def test_broken_audience_json_belongs_to_no_unit():
    assert unit_updates.belongs_to("not json", unit_code="AAA") is False


def test_the_plan_counts_only_the_units_parents(unit_parents):
    with session_scope() as session:
        planned = unit_updates.plan(session, draft=draft())
    assert (planned.by_language, planned.by_channel, planned.unreachable) == (
        {"en": 1, "yue": 1},
        {"telegram": 1, "whatsapp": 1},
        1,
    )
    assert "4/10/2027" in planned.texts["en"] and "4/10/2027" in planned.texts["yue"]


def test_the_plan_narrows_by_language(unit_parents):
    with session_scope() as session:
        planned = unit_updates.plan(session, draft=draft(languages=("yue",)))
    assert planned.by_language == {"yue": 1}


@pytest.mark.parametrize(
    ("changes", "kind", "placeholder"),
    [
        ({"params": {"open_date": "4/10/2027"}}, "missing_value", "close_date"),
        ({"params": {**JUPAS, "close_date": "  "}}, "missing_value", "close_date"),
        ({"params": {**JUPAS, "open_date": "x" * 201}}, "value_too_long", "open_date"),
        (
            {"params": {**JUPAS, "open_date": "{close_date}"}},
            "value_braces",
            "open_date",
        ),
        ({"params": {**JUPAS, "open_date": "a\nb"}}, "value_line_break", "open_date"),
        ({"params": {**JUPAS, "venue": "x"}}, "unknown_value", "venue"),
        ({"template_id": "no_such_template"}, "unknown_template", None),
        ({"urgent": True}, "urgent_not_allowed", None),
    ],
)
def test_a_draft_that_cannot_go_says_what_kind_of_problem_it_has(
    unit_parents, changes, kind, placeholder
):
    with session_scope() as session, pytest.raises(ComposeError) as raised:
        unit_updates.plan(session, draft=draft(**changes))
    assert (raised.value.kind, raised.value.placeholder) == (kind, placeholder)
    assert raised.value.kind in unit_updates.ERROR_KINDS


def test_sending_creates_deliveries_for_the_units_parents_only(unit_parents):
    with session_scope() as session:
        created = unit_updates.send(session, draft=draft(), created_by="amy")
    with session_scope() as session:
        rows = session.execute(
            select(Delivery.profile_id, Delivery.status).where(
                Delivery.broadcast_id == created
            )
        ).all()
        row = session.get(Broadcast, created)
        assert row.created_by == "amy"
    assert sorted(rows) == sorted(
        [
            (unit_parents["a_en"], "queued"),
            (unit_parents["a_yue"], "queued"),
            (unit_parents["a_web"], "skipped"),
        ]
    )


def test_nothing_is_created_when_no_parent_matches(unit_parents):
    with session_scope() as session, pytest.raises(ComposeError) as raised:
        unit_updates.send(session, draft=draft(stages=("working",)), created_by="amy")
    assert raised.value.kind == "no_recipients"
    assert broadcast_count() == 0


def test_a_failed_draft_creates_nothing(unit_parents):
    with session_scope() as session, pytest.raises(ComposeError):
        unit_updates.send(session, draft=draft(params={}), created_by="amy")
    assert broadcast_count() == 0


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("2027-01-05", "09:00", datetime(2027, 1, 5, 1, 0, tzinfo=timezone.utc)),
        ("2027-01-05", "07:30", datetime(2027, 1, 4, 23, 30, tzinfo=timezone.utc)),
        (" 2027-01-05 ", "09:00:00", datetime(2027, 1, 5, 1, 0, tzinfo=timezone.utc)),
    ],
)
def test_a_typed_time_is_hong_kong_time(day, clock, expected):
    assert unit_updates.hong_kong_time(day, clock, now=NOW) == expected


@pytest.mark.parametrize(
    ("day", "clock", "kind"),
    [
        ("", "09:00", "bad_time"),
        ("2027-13-01", "09:00", "bad_time"),
        ("5/1/2027", "09:00", "bad_time"),
        ("2027-01-05", "9 am", "bad_time"),
        ("2027-01-05", "09:00+08:00", "bad_time"),
        ("2027-01-04", "19:00", "past_time"),
        ("2028-06-01", "09:00", "far_time"),
    ],
)
def test_an_unusable_time_is_a_friendly_error(day, clock, kind):
    with pytest.raises(ComposeError) as raised:
        unit_updates.hong_kong_time(day, clock, now=NOW)
    assert raised.value.kind == kind


def test_a_time_a_moment_ago_still_counts():
    moment = unit_updates.hong_kong_time("2027-01-04", "19:58", now=NOW)
    assert NOW - moment == timedelta(minutes=2)


def test_the_list_holds_only_broadcasts_for_exactly_this_unit(unit_parents):
    mine = broadcast_for(["AAA"])
    broadcast_for(["BBB"])
    broadcast_for(["AAA", "BBB"])
    with session_scope() as session:
        broadcasts.create_direct(
            session, profile_id=unit_parents["a_en"], text="hi", created_by="amy"
        )
        listed = unit_updates.unit_broadcasts(session, unit_code="AAA")
    assert [v.id for v in listed] == [mine]
    assert (listed[0].report["queued"], listed[0].report["skipped"]) == (2, 1)


def test_the_list_is_latest_first(unit_parents):
    first, second = broadcast_for(["AAA"]), broadcast_for(["AAA"])
    with session_scope() as session:
        listed = unit_updates.unit_broadcasts(session, unit_code="AAA")
    assert [v.id for v in listed] == [second, first]


def test_another_units_broadcast_is_not_found(unit_parents):
    theirs = broadcast_for(["BBB"])
    with session_scope() as session:
        assert (
            unit_updates.unit_broadcast(session, unit_code="AAA", broadcast_id=theirs)
            is None
        )
        assert (
            unit_updates.unit_broadcast(session, unit_code="AAA", broadcast_id=999)
            is None
        )
        with pytest.raises(LookupError):
            unit_updates.cancel(session, unit_code="AAA", broadcast_id=theirs)


def test_the_detail_has_both_texts_and_waits_for_the_morning(unit_parents):
    with session_scope() as session:
        created = unit_updates.send(
            session,
            draft=draft(send_at=datetime(2027, 1, 5, 15, 0, tzinfo=timezone.utc)),
            created_by="amy",
        )
        found = unit_updates.unit_broadcast(
            session, unit_code="AAA", broadcast_id=created
        )
    assert sorted(found.texts) == ["en", "yue"]
    morning = datetime(2027, 1, 6, 0, 0, tzinfo=timezone.utc)  # 08:00 in Hong Kong
    assert found.starts_at == morning
    assert found.waiting


def test_cancelling_skips_the_waiting_messages_once(unit_parents):
    created = broadcast_for(["AAA"])
    with session_scope() as session:
        assert unit_updates.cancel(session, unit_code="AAA", broadcast_id=created) == 2
    with session_scope() as session:
        found = unit_updates.unit_broadcast(
            session, unit_code="AAA", broadcast_id=created
        )
        assert (found.view.cancelled, found.waiting) == (True, False)
        with pytest.raises(NothingToCancel):
            unit_updates.cancel(session, unit_code="AAA", broadcast_id=created)

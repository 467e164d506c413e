"""Parent subscriptions: consent kept with them, STOP at once, audiences."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cld import parents, services, units
from cld.models import ConsentRecord
from pathways_kb.db import session_scope
from tests.cld.parent_factory import add_parent


def subscription(profile_id):
    with session_scope() as session:
        return parents.subscription_of(session, profile_id=profile_id)


def consents(profile_id):
    with session_scope() as session:
        rows = session.execute(
            select(ConsentRecord.granted, ConsentRecord.wording_version)
            .where(ConsentRecord.profile_id == profile_id)
            .order_by(ConsentRecord.id)
        ).all()
    return [tuple(r) for r in rows]


def test_subscribing_keeps_the_choices_and_the_consent(database):
    with session_scope() as session:
        units.add_unit(session, code="YSC01", name="Youth Centre")
    pid = add_parent(
        "p1",
        language="yue",
        stage="post_secondary",
        topics=("parenting", "vpet", "vpet"),
        unit="ysc 01",
    )
    view = subscription(pid)
    assert (view.status, view.language, view.child_stage) == (
        "active",
        "yue",
        "post_secondary",
    )
    assert view.topics == ("vpet", "parenting")  # canonical order, once each
    assert view.unit_code == "YSC01"
    assert consents(pid) == [(True, parents.WORDING_VERSION)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"language": "fr"}, "unknown language"),
        ({"child_stage": "kindergarten"}, "unknown child stage"),
        ({"topics": ()}, "topics must be"),
        ({"topics": ("crypto",)}, "topics must be"),
        ({"unit_code": "NOPE1"}, "unknown unit code"),
    ],
)
def test_subscribe_rejects_unknown_choices_and_saves_nothing(database, change, message):
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="telegram", channel_user_id="x"
        )
    fields = {
        "language": "en",
        "child_stage": "working",
        "topics": ("employment",),
        **change,
    }
    with pytest.raises(ValueError, match=message), session_scope() as session:
        parents.subscribe(session, profile_id=profile.id, **fields)
    assert subscription(profile.id) is None
    assert consents(profile.id) == []


def test_stop_ends_updates_and_withdraws_consent_at_once(database):
    pid = add_parent("p1")
    with session_scope() as session:
        assert parents.unsubscribe(session, profile_id=pid) is True
    assert subscription(pid).status == "unsubscribed"
    assert [granted for granted, _ in consents(pid)] == [True, False]
    with session_scope() as session:
        assert parents.recipients(session, parents.Audience()) == []


def test_stop_without_a_subscription_changes_nothing(database):
    pid = add_parent("p1", subscribe=False)
    with session_scope() as session:
        assert parents.unsubscribe(session, profile_id=pid) is False
    assert consents(pid) == []


def test_subscribing_again_records_consent_again(database):
    pid = add_parent("p1")
    with session_scope() as session:
        parents.unsubscribe(session, profile_id=pid)
        parents.subscribe(
            session,
            profile_id=pid,
            language="en",
            child_stage="working",
            topics=["employment"],
        )
    assert subscription(pid).status == "active"
    assert subscription(pid).topics == ("employment",)
    assert [granted for granted, _ in consents(pid)] == [True, False, True]


def test_a_parent_who_blocked_the_bot_is_inactive(database):
    pid = add_parent("p1")
    with session_scope() as session:
        parents.mark_blocked(session, profile_id=pid)
    assert subscription(pid).status == "inactive"


def test_audience_filters_by_unit_stage_topic_and_language(database):
    with session_scope() as session:
        units.add_unit(session, code="AAA", name="A")
        units.add_unit(session, code="BBB", name="B")
    a = add_parent("a", unit="AAA", stage="senior_secondary", topics=("university",))
    b = add_parent("b", unit="BBB", language="yue", topics=("vpet", "university"))
    c = add_parent("c", stage="working", topics=("employment",), language="yue")
    add_parent("d", subscribe=False)

    def who(**fields):
        with session_scope() as session:
            found = parents.recipients(session, parents.Audience(**fields))
        return [r.profile_id for r in found]

    assert who() == [a, b, c]
    assert who(unit_codes=("aaa",)) == [a]
    assert who(stages=("senior_secondary",)) == [a, b]
    assert who(topics=("vpet", "employment")) == [b, c]
    assert who(languages=("yue",), topics=("university",)) == [b]


def test_an_audience_with_an_unknown_value_is_refused():
    with pytest.raises(ValueError, match="unknown topics: crypto"):
        parents.Audience(topics=("crypto",))

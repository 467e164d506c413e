"""HKBM self-assessment: levels and their history, automatic evidence, medians."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from cld import broadcasts, hkbm, parents, roadmaps, services, staff, units
from cld.broadcast_models import Delivery
from cld.models import PathwayQuestion, Unit
from cld.roadmap_models import Roadmap
from cld.staff_models import RoadmapReview
from dashboard import i18n
from pathways_kb.db import session_scope
from tests.cld.parent_factory import add_parent
from tests.kb.conftest import kb_loaded, seed_dir  # noqa: F401

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


@pytest.fixture
def unit_ids(database):
    with session_scope() as session:
        for code in ("AAA", "BBB", "CCC", "DDD"):
            units.add_unit(session, code=code, name=f"Unit {code}")
        ids = dict(session.execute(select(Unit.code, Unit.id)).all())
    return ids


def rate(unit_id, benchmark, level, *, evidence="", at=NOW, account_id=None):
    with session_scope() as session:
        return hkbm.record(
            session,
            unit_id=unit_id,
            account_id=account_id,
            benchmark=benchmark,
            level=level,
            evidence=evidence,
            now=at,
        )


def test_there_are_ten_benchmarks_with_sources():
    found = hkbm.benchmarks()
    assert [b.number for b in found] == list(range(1, 11))
    assert all(
        b.sources and all(u.startswith("https://") for u in b.sources) for b in found
    )


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_every_benchmark_has_both_titles_and_exactly_its_criteria(lang):
    words = i18n.words(lang)
    for bm in hkbm.benchmarks():
        assert words[f"hkbm_bm{bm.number}_community"]
        assert words[f"hkbm_bm{bm.number}_school"]
        pattern = re.compile(rf"hkbm_bm{bm.number}_c[0-9]+")
        listed = sorted(k for k in words if pattern.fullmatch(k))
        assert listed == [f"hkbm_bm{bm.number}_c{i}" for i in range(1, bm.criteria + 1)]
        assert 2 <= bm.criteria <= 4


def test_the_latest_rating_is_the_current_level(unit_ids):
    rate(unit_ids["AAA"], 3, "not_yet", at=NOW - timedelta(days=30))
    rate(unit_ids["AAA"], 3, "partly", evidence="家長講座兩次")
    rate(unit_ids["AAA"], 6, "fully")
    with session_scope() as session:
        current = hkbm.current(session, unit_id=unit_ids["AAA"])
    assert {n: a.level for n, a in current.items()} == {3: "partly", 6: "fully"}
    assert current[3].evidence == "家長講座兩次"


def test_the_history_keeps_every_rating_newest_first(unit_ids):
    rate(unit_ids["AAA"], 3, "not_yet", at=NOW - timedelta(days=30))
    rate(unit_ids["AAA"], 3, "partly", at=NOW)
    rate(unit_ids["BBB"], 3, "fully", at=NOW)
    with session_scope() as session:
        rows = hkbm.history(session, unit_id=unit_ids["AAA"], benchmark=3)
    assert [(r.level, r.recorded_at) for r in rows] == [
        ("partly", NOW),
        ("not_yet", NOW - timedelta(days=30)),
    ]


def test_a_rating_names_who_recorded_it(unit_ids):
    with session_scope() as session:
        amy = staff.create_account(
            session,
            username="amy",
            password=PASSWORD,
            role="worker",
            display_name="Amy Chan",
            unit_code="AAA",
        )
    assert (
        rate(unit_ids["AAA"], 1, "partly", account_id=amy.id).recorded_by == "Amy Chan"
    )


@pytest.mark.parametrize(
    ("benchmark", "level", "evidence"),
    [
        (0, "partly", ""),
        (11, "partly", ""),
        (1, "mostly", ""),
        (1, "fully", "x" * 2001),
    ],
)
def test_a_bad_rating_is_refused(unit_ids, benchmark, level, evidence):
    with pytest.raises(ValueError):
        rate(unit_ids["AAA"], benchmark, level, evidence=evidence)
    with session_scope() as session:
        assert hkbm.history(session, unit_id=unit_ids["AAA"]) == []


def test_evidence_notes_up_to_2000_characters_are_kept(unit_ids):
    assert len(rate(unit_ids["AAA"], 1, "fully", evidence="證" * 2000).evidence) == 2000


def test_medians_stay_hidden_below_three_units(unit_ids):
    rate(unit_ids["AAA"], 1, "fully")
    rate(unit_ids["BBB"], 1, "not_yet")
    with session_scope() as session:
        found = hkbm.medians(session)[1]
    assert (found.units, found.score, found.levels) == (2, None, ())


def test_a_single_unit_is_never_shown_even_if_asked_for_fewer_units(unit_ids):
    rate(unit_ids["AAA"], 2, "fully")
    with session_scope() as session:
        assert hkbm.medians(session, min_units=1)[2].score is None


def test_the_median_uses_each_units_latest_rating(unit_ids):
    rate(unit_ids["AAA"], 1, "not_yet", at=NOW - timedelta(days=9))
    rate(unit_ids["AAA"], 1, "fully", at=NOW)
    rate(unit_ids["BBB"], 1, "partly")
    rate(unit_ids["CCC"], 1, "fully")
    with session_scope() as session:
        found = hkbm.medians(session)[1]
    assert (found.units, found.score, found.levels) == (3, 2.0, ("fully",))


def test_an_even_number_of_units_can_fall_between_two_levels(unit_ids):
    for code, level in (
        ("AAA", "not_yet"),
        ("BBB", "not_yet"),
        ("CCC", "partly"),
        ("DDD", "fully"),
    ):
        rate(unit_ids[code], 4, level)
    with session_scope() as session:
        found = hkbm.medians(session)[4]
    assert (found.score, found.levels) == (0.5, ("not_yet", "partly"))


def test_unrated_benchmarks_have_no_median(unit_ids):
    with session_scope() as session:
        assert {m.units for m in hkbm.medians(session).values()} == {0}


def youth(name, *, share, versions=0):
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="telegram", channel_user_id=name
        )
        roadmaps.share(
            session, profile_id=profile.id, unit_code=share, wording_version="v1"
        )
        roadmap = session.execute(
            select(Roadmap).where(Roadmap.profile_id == profile.id)
        ).scalar_one()
        roadmap.versions = versions
        return profile.id


def asked(profile_id, area, *, at=NOW, lang="en"):
    with session_scope() as session:
        hkbm.log_question(
            session,
            profile_id=profile_id,
            entry_id=f"{area}-entry",
            area=area,
            lang=lang,
        )
        session.flush()
        row = session.execute(
            select(PathwayQuestion).order_by(PathwayQuestion.id.desc()).limit(1)
        ).scalar_one()
        row.asked_at = at


@pytest.fixture
def linked(unit_ids):
    people = {
        "sharing": youth("y1", share="AAA", versions=2),
        "drafting": youth("y2", share="AAA"),
        "elsewhere": youth("y3", share="BBB", versions=1),
        "parent": add_parent("p1", address="1", unit="AAA"),
        "parent_yue": add_parent(
            "p2", channel="whatsapp", address="+8521", language="yue", unit="AAA"
        ),
        "other_parent": add_parent("p3", address="3", unit="BBB"),
    }
    with session_scope() as session:
        session.add(
            RoadmapReview(
                profile_id=people["sharing"],
                version=2,
                reviewed_at=NOW - timedelta(days=20),
            )
        )
        session.add(
            RoadmapReview(profile_id=people["elsewhere"], version=1, reviewed_at=NOW)
        )
    return people


def unit_evidence(unit_ids, code="AAA"):
    with session_scope() as session:
        return hkbm.evidence(session, unit_id=unit_ids[code], unit_code=code, now=NOW)


def test_questions_count_for_the_units_young_people_and_parents_by_area(
    unit_ids, linked
):
    asked(linked["sharing"], "higher_ed")
    asked(linked["drafting"], "vpet")
    asked(linked["parent"], "higher_ed", lang="yue")
    asked(linked["parent"], "employment")
    asked(linked["elsewhere"], "higher_ed")  # another unit's young person
    asked(linked["sharing"], "vpet", at=NOW - timedelta(days=400))  # too long ago
    found = unit_evidence(unit_ids)
    assert dict(found.questions_by_area) == {"higher_ed": 2, "vpet": 1, "employment": 1}
    assert (found.questions, found.further_education_questions) == (4, 3)


def test_roadmap_figures_count_complete_and_recently_reviewed(unit_ids, linked):
    found = unit_evidence(unit_ids)
    figures = (found.youth_sharing, found.youth_complete, found.youth_reviewed)
    assert figures == (2, 1, 1)


def test_a_review_older_than_a_year_does_not_count(unit_ids, linked):
    with session_scope() as session:
        review = session.execute(
            select(RoadmapReview).where(RoadmapReview.profile_id == linked["sharing"])
        ).scalar_one()
        review.reviewed_at = NOW - timedelta(days=366)
    assert unit_evidence(unit_ids).youth_reviewed == 0


def test_parents_reached_count_sent_messages_by_language(unit_ids, linked):
    with session_scope() as session:
        created = broadcasts.create(
            session,
            template_id="results_not_as_hoped",
            params={},
            audience=parents.Audience(),
            created_by="cli",
        )
    with session_scope() as session:
        rows = session.execute(
            select(Delivery).where(Delivery.broadcast_id == created)
        ).scalars()
        for row in rows:
            if row.profile_id in (linked["parent"], linked["other_parent"]):
                row.status, row.sent_at = "sent", NOW - timedelta(days=3)
    found = unit_evidence(unit_ids)
    assert dict(found.parents_reached) == {"en": 1}
    assert dict(found.subscribers) == {"en": 1, "yue": 1}


def test_a_unit_with_nothing_yet_has_zero_evidence(unit_ids):
    found = unit_evidence(unit_ids, "DDD")
    figures = (found.questions, found.youth_sharing, dict(found.parents_reached))
    assert figures == (0, 0, {})


def test_a_logged_question_takes_the_entrys_area_from_the_knowledge_base(kb_loaded):  # noqa: F811
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="x")
        hkbm.log_question(
            session,
            profile_id=profile.id,
            entry_id="vtc-higher-diploma",
            area=None,
            lang="en",
        )
    with session_scope() as session:
        row = session.execute(select(PathwayQuestion)).scalar_one()
    assert (row.entry_id, row.area, row.lang) == ("vtc-higher-diploma", "vpet", "en")

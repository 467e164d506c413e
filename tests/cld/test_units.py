"""Units are known by a short code that people type loosely."""

from __future__ import annotations

import pytest

from cld import units
from cld.units import UnitView
from pathways_kb.db import session_scope


def add(code, name="Youth Centre"):
    with session_scope() as session:
        return units.add_unit(session, code=code, name=name)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ab 12-3", "AB123"),
        ("u_001.x", "U001X"),
        ("  hk youth 01 ", "HKYOUTH01"),
        ("ABC", "ABC"),
        ("", ""),
    ],
)
def test_normalise_code_drops_separators_and_upper_cases(typed, code):
    assert units.normalise_code(typed) == code


def test_add_unit_keeps_the_normalised_code_and_tidy_name(database):
    assert add("hk-youth 01", name="  Youth Centre ") == UnitView(
        code="HKYOUTH01", name="Youth Centre"
    )


def test_add_unit_without_a_name_is_named_by_its_code(database):
    assert add("u001", name="   ") == UnitView(code="U001", name="U001")


@pytest.mark.parametrize(
    "code",
    ["", "ab", "a" * 17, "AB!12", "中文單位"],
)
def test_add_unit_refuses_a_bad_code(database, code):
    with pytest.raises(ValueError, match="3-16 letters or digits"):
        add(code)


def test_a_refused_code_adds_nothing(database):
    with pytest.raises(ValueError):
        add("ab")
    with session_scope() as session:
        assert units.all_units(session) == []


def test_add_unit_refuses_a_code_in_use_however_it_is_typed(database):
    add("AB123")
    with pytest.raises(ValueError, match="unit AB123 exists already"):
        add("ab-12 3", name="Another centre")


def test_find_unit_finds_the_code_as_typed(database):
    add("AB123", name="Youth Centre")
    with session_scope() as session:
        found = units.find_unit(session, code=" ab-123 ")
    assert found == UnitView(code="AB123", name="Youth Centre")


@pytest.mark.parametrize("code", ["XYZ999", "!!", "", "a" * 40])
def test_find_unit_returns_none_for_an_unknown_or_bad_code(database, code):
    add("AB123")
    with session_scope() as session:
        assert units.find_unit(session, code=code) is None


def test_all_units_lists_every_unit_by_code(database):
    add("ZZ9", name="Zed")
    add("AA1", name="Ay")
    add("MM5", name="Em")
    with session_scope() as session:
        listed = units.all_units(session)
    assert listed == [
        UnitView("AA1", "Ay"),
        UnitView("MM5", "Em"),
        UnitView("ZZ9", "Zed"),
    ]


def test_all_units_is_empty_at_first(database):
    with session_scope() as session:
        assert units.all_units(session) == []

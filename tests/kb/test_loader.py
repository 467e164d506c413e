"""The loader loads valid seed files in one go and rejects each kind of broken entry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pathways_kb import loader
from pathways_kb.db import session_scope
from pathways_kb.models import Entry, EntryAlias, Relation
from tests.kb.conftest import entry


def _count(model) -> int:
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_valid_seed_loads_every_entry(database, seed_dir):
    with session_scope() as session:
        report = loader.load(session, seed_dir=seed_dir)
    assert (report.entries, report.changed) == (4, True)
    assert _count(Entry) == 4
    assert _count(Relation) == 2


def test_loading_the_same_content_again_changes_nothing(database, seed_dir):
    with session_scope() as session:
        loader.load(session, seed_dir=seed_dir)
    with session_scope() as session:
        assert loader.load(session, seed_dir=seed_dir).changed is False


def test_aliases_are_stored_case_folded_once(database, seed_dir):
    with session_scope() as session:
        loader.load(session, seed_dir=seed_dir)
        aliases = session.execute(
            select(EntryAlias.alias).where(EntryAlias.entry_id == "vtc-higher-diploma")
        ).scalars()
        assert sorted(aliases) == [
            "hd",
            "higher dip",
            "higher diploma",
            "高文",
            "高級文憑",
        ]


def _first(document):
    return document["entries"][0]


BROKEN = [
    (
        "missing field",
        lambda d: _first(d).pop("sources"),
        "vtc-higher-diploma",
        "sources",
    ),
    (
        "missing language",
        lambda d: _first(d)["title"].pop("yue"),
        "vtc-higher-diploma",
        "title.yue",
    ),
    (
        "empty answer",
        lambda d: _first(d)["answer"].update(en="  "),
        "vtc-higher-diploma",
        "answer.en",
    ),
    (
        "malformed URL",
        lambda d: _first(d)["sources"][0].update(url="www.vtc.edu.hk no scheme"),
        "vtc-higher-diploma",
        "sources[0].url",
    ),
    (
        "invalid date",
        lambda d: _first(d).update(as_of="2025-13-40"),
        "vtc-higher-diploma",
        "as_of",
    ),
    (
        "review before as_of",
        lambda d: _first(d).update(review_by="2020-01-01"),
        "vtc-higher-diploma",
        "review_by",
    ),
    (
        "duplicate id",
        lambda d: d["entries"].append(entry("vtc-higher-diploma")),
        "vtc-higher-diploma",
        "id",
    ),
    (
        "unknown related id",
        lambda d: _first(d).update(related=["no-such-entry"]),
        "vtc-higher-diploma",
        "related",
    ),
    (
        "bad pathway",
        lambda d: _first(d).update(pathway="space"),
        "vtc-higher-diploma",
        "pathway",
    ),
    (
        "bad audience",
        lambda d: _first(d).update(audience="teachers"),
        "vtc-higher-diploma",
        "audience",
    ),
    (
        "verified not a boolean",
        lambda d: _first(d).update(verified="yes"),
        "vtc-higher-diploma",
        "verified",
    ),
    ("bad id", lambda d: _first(d).update(id="Bad ID!"), "Bad ID!", "id"),
    (
        "unknown field",
        lambda d: _first(d).update(colour="red"),
        "vtc-higher-diploma",
        "colour",
    ),
    (
        "answer too long",
        lambda d: _first(d)["answer"].update(yue="長" * 701),
        "vtc-higher-diploma",
        "answer.yue",
    ),
    (
        "empty aliases",
        lambda d: _first(d)["aliases"].update(en=[]),
        "vtc-higher-diploma",
        "aliases.en",
    ),
    (
        "relates to itself",
        lambda d: _first(d).update(related=["vtc-higher-diploma"]),
        "vtc-higher-diploma",
        "related",
    ),
]


@pytest.mark.parametrize(
    ("kind", "mutate", "entry_id", "field"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_entry_is_rejected_with_file_entry_and_field(
    database, seed_dir, break_seed, kind, mutate, entry_id, field
):
    with session_scope() as session:
        loader.load(session, seed_dir=seed_dir)
    break_seed(mutate)
    with pytest.raises(loader.SeedError) as raised, session_scope() as session:
        loader.load(session, seed_dir=seed_dir)
    assert f"vpet.yml: entry '{entry_id}', field '{field}'" in str(raised.value)
    assert _count(Entry) == 4  # the earlier content is untouched


def test_invalid_yaml_names_the_file_and_line(database, seed_dir):
    (seed_dir / "broken.yml").write_text(
        "area: x\nentries:\n  - id: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(
        loader.SeedError, match=r"broken.yml: entry '-', field 'line \d+'"
    ):
        loader.read_seed(seed_dir)


def test_a_file_without_entries_is_rejected(database, seed_dir):
    (seed_dir / "empty.yml").write_text("area: x\n", encoding="utf-8")
    with pytest.raises(loader.SeedError, match="empty.yml"):
        loader.read_seed(seed_dir)


def test_every_problem_is_listed_at_once(seed_dir, break_seed):
    def two_problems(document):
        _first(document).update(pathway="space", audience="teachers")

    break_seed(two_problems)
    with pytest.raises(loader.SeedError) as raised:
        loader.read_seed(seed_dir)
    assert len(raised.value.problems) == 2


def test_the_project_seed_files_are_valid():
    specs, _ = loader.read_seed()
    assert len(specs) >= 100

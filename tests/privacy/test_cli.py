"""`python -m cld privacy export|erase|purge`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from cld.__main__ import main
from cld.models import Profile
from pathways_kb.db import session_scope
from tests.privacy.conftest import chat
from tests.privacy.people import add_youth


@pytest.fixture
def amy(database, tracker_url, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", tracker_url)
    add_youth("tg-amy")
    chat(tracker_url, "tg-amy", ["I want to bake"])
    return "tg-amy"


def test_export_writes_a_readable_file(amy, tmp_path, capsys):
    out = tmp_path / "amy.json"
    assert main(["privacy", "export", "--person", amy, "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["conversation"][0]["text"] == "I want to bake"
    assert out.stat().st_mode & 0o077 == 0
    assert "wrote" in capsys.readouterr().out


def test_export_of_nobody_fails(amy, tmp_path):
    out = tmp_path / "x.json"
    assert main(["privacy", "export", "--person", "tg-x", "--out", str(out)]) == 1
    assert not out.exists()


def test_erase_needs_yes(amy):
    assert main(["privacy", "erase", "--person", amy]) == 2


def test_erase(amy, capsys):
    assert main(["privacy", "erase", "--person", amy, "--yes"]) == 0
    assert "3 conversation events" in capsys.readouterr().out
    with session_scope() as session:
        assert session.execute(select(func.count(Profile.id))).scalar_one() == 0


def test_purge_uses_the_setting(amy, monkeypatch, capsys):
    monkeypatch.setenv("TRANSCRIPT_RETENTION_DAYS", "7")
    assert main(["privacy", "purge"]) == 0
    assert "older than 7 days" in capsys.readouterr().out


def test_a_bad_retention_setting_is_named(amy, monkeypatch, capsys):
    monkeypatch.setenv("TRANSCRIPT_RETENTION_DAYS", "a month")
    assert main(["privacy", "purge"]) == 2
    assert "TRANSCRIPT_RETENTION_DAYS" in capsys.readouterr().err

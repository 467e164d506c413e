"""Dashboard accounts: hashed passwords, lockout, sessions that expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cld import staff, units
from cld.models import utcnow
from cld.staff_models import AuditEvent, StaffAccount, StaffSession
from pathways_kb.db import session_scope

PASSWORD = "correct horse battery"


@pytest.fixture
def amy(database):
    with session_scope() as session:
        units.add_unit(session, code="AAA", name="Unit A")
        return staff.create_account(
            session, username="Amy", password=PASSWORD, role="worker", unit_code="aaa"
        )


def sign_in(password=PASSWORD, now=None):
    with session_scope() as session:
        return staff.sign_in(session, username="amy", password=password, now=now)


def test_an_account_keeps_only_an_argon2_hash(amy):
    assert (amy.username, amy.unit_code, amy.role) == ("amy", "AAA", "worker")
    with session_scope() as session:
        stored = session.execute(select(StaffAccount.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "x"}, "a username is"),
        ({"password": "short"}, "at least 12"),
        ({"role": "boss"}, "role must be"),
        ({"unit_code": "ZZZ"}, "need an existing unit"),
        ({"username": "amy"}, "exists already"),
    ],
)
def test_bad_accounts_are_refused(amy, fields, message):
    values = {
        "username": "bob",
        "password": PASSWORD,
        "role": "worker",
        "unit_code": "AAA",
        **fields,
    }
    with pytest.raises(ValueError, match=message), session_scope() as session:
        staff.create_account(session, **values)


def test_an_admin_belongs_to_no_unit(database):
    with session_scope() as session:
        admin = staff.create_account(
            session, username="root", password=PASSWORD, role="admin"
        )
    assert admin.is_admin and admin.unit_id is None


def test_signing_in_opens_a_session_known_by_its_cookie(amy):
    signed = sign_in()
    with session_scope() as session:
        account, csrf = staff.session_account(session, token=signed.token)
        stored = session.execute(select(StaffSession.token_hash)).scalar_one()
    assert account == amy and csrf == signed.csrf_token
    assert signed.token not in stored  # only its hash is kept


def test_a_wrong_password_is_refused(amy):
    assert sign_in("wrong password!!") is None


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(amy):
    now = utcnow()
    for _ in range(staff.MAX_FAILED_LOGINS):
        assert sign_in("wrong password!!", now=now) is None
    assert sign_in(now=now + timedelta(minutes=1)) is None
    assert sign_in(now=now + staff.LOCKOUT + timedelta(seconds=1)).account == amy
    with session_scope() as session:
        actions = list(session.execute(select(AuditEvent.action)).scalars())
    assert "account_locked" in actions and actions[-1] == "login"


def test_an_unknown_username_is_refused_the_same_way(amy):
    with session_scope() as session:
        assert staff.sign_in(session, username="nobody", password=PASSWORD) is None


def test_a_session_expires(amy):
    signed = sign_in()
    later = utcnow() + staff.SESSION_LIFETIME + timedelta(seconds=1)
    with session_scope() as session:
        assert staff.session_account(session, token=signed.token, now=later) is None


def test_signing_out_ends_the_session(amy):
    signed = sign_in()
    with session_scope() as session:
        staff.sign_out(session, token=signed.token)
    with session_scope() as session:
        assert staff.session_account(session, token=signed.token) is None


@pytest.mark.parametrize(("given", "ok"), [("abc", True), ("abd", False), ("", False)])
def test_csrf_tokens_are_compared_exactly(given, ok):
    assert staff.csrf_matches("abc", given) is ok

"""Dashboard accounts: passwords (argon2id), sign-in with lockout, sessions.

A session cookie holds a random token; the database keeps only its SHA-256, so a
copy of the database signs no one in. Each session has its own CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cld import units
from cld.models import Unit, as_utc, unstorable, utcnow
from cld.staff_models import AuditEvent, StaffAccount, StaffSession

ROLES = ("worker", "supervisor", "admin")
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_hasher = PasswordHasher()
# Verifying against this keeps the time of an unknown username like a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class AccountView:
    """Who is signed in, and what they may see."""

    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None
    unit_code: str | None
    language: str

    @property
    def is_admin(self) -> bool:
        """Admins manage units and accounts, and see no young person's data."""
        return self.role == "admin"

    @property
    def is_supervisor(self) -> bool:
        """Supervisors also read their unit's audit log."""
        return self.role == "supervisor"


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value (shown once) and the account."""

    token: str
    csrf_token: str
    account: AccountView


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(session: Session, row: StaffAccount) -> AccountView:
    code = session.get(Unit, row.unit_id).code if row.unit_id else None
    return AccountView(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        unit_id=row.unit_id,
        unit_code=code,
        language=row.language,
    )


def check_password_rules(password: str) -> None:
    """Refuse a password too short to be safe (ValueError says why)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    unit_code: str | None = None,
    language: str = "en",
) -> AccountView:
    """Add an account; workers and supervisors belong to a unit, admins to none."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise ValueError("a username is 3-64 lower-case letters, digits, . _ or -")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_password_rules(password)
    if unstorable(display_name):
        raise ValueError("a display name has characters that cannot be stored")
    unit_id = None
    if role != "admin":
        unit = units.find_unit(session, code=unit_code or "")
        if unit is None:
            raise ValueError("workers and supervisors need an existing unit code")
        unit_id = session.execute(
            select(Unit.id).where(Unit.code == unit.code)
        ).scalar_one()
    exists = select(StaffAccount.id).where(StaffAccount.username == username)
    if session.execute(exists).first() is not None:
        raise ValueError(f"account {username} exists already")
    row = StaffAccount(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=_hasher.hash(password),
        role=role,
        unit_id=unit_id,
        language=language if language in ("en", "yue") else "en",
    )
    session.add(row)
    session.flush()
    return _view(session, row)


def list_accounts(session: Session) -> list[AccountView]:
    """Every active account, by username."""
    rows = session.execute(
        select(StaffAccount)
        .where(StaffAccount.is_active.is_(True))
        .order_by(StaffAccount.username)
    ).scalars()
    return [_view(session, r) for r in rows]


def deactivate(session: Session, *, username: str) -> bool:
    """Close an account and end its sessions; False if there is no such account."""
    if unstorable(username):  # no account has such a name (nor can PostgreSQL say)
        return False
    row = session.execute(
        select(StaffAccount).where(
            StaffAccount.username == username, StaffAccount.is_active.is_(True)
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    row.is_active = False
    session.execute(delete(StaffSession).where(StaffSession.account_id == row.id))
    _audit(session, row, "account_closed")
    return True


def _audit(session: Session, row: StaffAccount | None, action: str) -> None:
    session.add(
        AuditEvent(
            account_id=row.id if row else None,
            unit_id=row.unit_id if row else None,
            action=action,
        )
    )


def sign_in(
    session: Session, *, username: str, password: str, now: datetime | None = None
) -> SignedIn | None:
    """Check the password and open a session; None when refused.

    A refusal is recorded (the caller commits it) and says nothing about why:
    after MAX_FAILED_LOGINS wrong passwords in a row the account is locked for
    LOCKOUT, even for the right password.
    """
    now = now or utcnow()
    wanted = select(StaffAccount).where(
        StaffAccount.username == username.strip().lower(),
        StaffAccount.is_active.is_(True),
    )
    # No account has such a name, and PostgreSQL cannot even compare a NUL.
    row = None if unstorable(username) else session.execute(wanted).scalar_one_or_none()
    if row is None:
        _verify(_DUMMY_HASH, password)
        _audit(session, None, "login_refused")
        return None
    locked = row.locked_until is not None and as_utc(row.locked_until) > now
    if locked or not _verify(row.password_hash, password):
        if not locked:
            row.failed_logins += 1
            if row.failed_logins >= MAX_FAILED_LOGINS:
                row.locked_until, row.failed_logins = now + LOCKOUT, 0
                _audit(session, row, "account_locked")
        _audit(session, row, "login_refused")
        return None
    row.failed_logins, row.locked_until = 0, None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_digest(token),
            account_id=row.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    _audit(session, row, "login")
    session.flush()
    return SignedIn(token=token, csrf_token=csrf, account=_view(session, row))


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def session_account(
    session: Session, *, token: str, now: datetime | None = None
) -> tuple[AccountView, str] | None:
    """(account, CSRF token) of a live session cookie, or None."""
    if not token:
        return None
    now = now or utcnow()
    found = session.execute(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, StaffAccount.id == StaffSession.account_id)
        .where(
            StaffSession.token_hash == _digest(token),
            StaffAccount.is_active.is_(True),
        )
    ).first()
    if found is None:
        return None
    row, account = found
    if as_utc(row.expires_at) <= now:
        session.delete(row)
        return None
    return _view(session, account), row.csrf_token


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def sign_out(session: Session, *, token: str) -> None:
    """End the session of this cookie."""
    session.execute(
        delete(StaffSession).where(StaffSession.token_hash == _digest(token))
    )

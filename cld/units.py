"""Units that youth can share their roadmap with, known by a short code."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cld.models import Unit, unstorable

CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,16}$")


@dataclass(frozen=True)
class UnitView:
    """A unit's code and name."""

    code: str
    name: str


def normalise_code(text: str) -> str:
    """A unit code as people type it ("ab 12-3" -> "AB123")."""
    typed = unicodedata.normalize("NFKC", text or "")  # full-width digits too
    return re.sub(r"[\s\-_.]", "", typed).upper()


def add_unit(session: Session, *, code: str, name: str) -> UnitView:
    """Register a unit; the code must be 3-16 letters or digits and unused."""
    code = normalise_code(code)
    if not CODE_PATTERN.match(code):
        raise ValueError("a unit code is 3-16 letters or digits")
    if find_unit(session, code=code) is not None:
        raise ValueError(f"unit {code} exists already")
    if unstorable(name):
        raise ValueError("a unit name has characters that cannot be stored")
    session.add(Unit(code=code, name=name.strip() or code))
    session.flush()
    return UnitView(code=code, name=name.strip() or code)


def find_unit(session: Session, *, code: str) -> UnitView | None:
    """The unit with this code (as typed), or None."""
    code = normalise_code(code)
    if not CODE_PATTERN.match(code):
        return None
    row = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    return UnitView(code=row.code, name=row.name) if row else None


def all_units(session: Session) -> list[UnitView]:
    """Every unit, by code."""
    rows = session.execute(select(Unit).order_by(Unit.code)).scalars()
    return [UnitView(code=r.code, name=r.name) for r in rows]

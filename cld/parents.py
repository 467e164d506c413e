"""Parent subscriptions to pathway updates: consent, preferences and audiences.

Subscribing always records the consent (time and wording version) alongside;
stopping withdraws it at once. A later subscription asks for consent again, so
every active subscription has a consent record no older than itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cld import services, units
from cld.models import Profile, Unit, utcnow
from cld.parent_models import ParentSubscription, SubscriptionTopic

CONSENT_KIND = "parent_updates"
# Bump when the consent wording in locales/ (utter_ask_pu_consent) changes.
WORDING_VERSION = "parent-updates-v1"
TOPICS = ("vpet", "university", "working_holiday", "employment", "parenting")
CHILD_STAGES = (
    "junior_secondary",  # S1-S3
    "senior_secondary",  # S4-S6, the DSE
    "post_secondary",
    "working",  # working or looking for work
    "other",
)
LANGUAGES = services.LANGUAGES
STATUSES = ("active", "unsubscribed", "inactive")


@dataclass(frozen=True)
class SubscriptionView:
    """What one parent asked to receive, and whether it stands."""

    profile_id: int
    status: str
    language: str
    child_stage: str
    topics: tuple[str, ...]
    unit_code: str | None
    subscribed_at: datetime

    @property
    def active(self) -> bool:
        """True while updates may be sent."""
        return self.status == "active"


@dataclass(frozen=True)
class Audience:
    """Who a broadcast is for; an empty field means "any"."""

    unit_codes: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, allowed in (
            ("stages", CHILD_STAGES),
            ("topics", TOPICS),
            ("languages", LANGUAGES),
        ):
            unknown = sorted(set(getattr(self, name)) - set(allowed))
            if unknown:
                raise ValueError(
                    f"unknown {name}: {', '.join(unknown)} "
                    f"(choose from {', '.join(allowed)})"
                )


@dataclass(frozen=True)
class Recipient:
    """One parent a broadcast goes to."""

    profile_id: int
    language: str
    channel: str


def _check(language: str, child_stage: str, topics: tuple[str, ...]) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language '{language}'")
    if child_stage not in CHILD_STAGES:
        raise ValueError(f"unknown child stage '{child_stage}'")
    if not topics or set(topics) - set(TOPICS):
        raise ValueError(f"topics must be some of {', '.join(TOPICS)}")


def _row(session: Session, profile_id: int) -> ParentSubscription | None:
    stmt = select(ParentSubscription).where(ParentSubscription.profile_id == profile_id)
    return session.execute(stmt).scalar_one_or_none()


def subscribe(
    session: Session,
    *,
    profile_id: int,
    language: str,
    child_stage: str,
    topics: tuple[str, ...] | list[str],
    unit_code: str | None = None,
    wording_version: str = WORDING_VERSION,
) -> SubscriptionView:
    """Record the parent's consent and (re)start their subscription."""
    chosen = tuple(t for t in TOPICS if t in set(topics))  # canonical order
    _check(language, child_stage, tuple(topics))
    unit_id = None
    if unit_code:
        unit = units.find_unit(session, code=unit_code)
        if unit is None:
            raise ValueError(f"unknown unit code '{unit_code}'")
        unit_id = session.execute(
            select(Unit.id).where(Unit.code == unit.code)
        ).scalar_one()
    services.record_consent(
        session,
        profile_id=profile_id,
        kind=CONSENT_KIND,
        granted=True,
        wording_version=wording_version,
    )
    row = _row(session, profile_id)
    if row is None:
        row = ParentSubscription(profile_id=profile_id)
        session.add(row)
    row.status = "active"
    row.language = language
    row.child_stage = child_stage
    row.unit_id = unit_id
    row.subscribed_at = utcnow()
    row.ended_at = None
    session.flush()
    session.execute(
        delete(SubscriptionTopic).where(SubscriptionTopic.subscription_id == row.id)
    )
    session.add_all(SubscriptionTopic(subscription_id=row.id, topic=t) for t in chosen)
    session.flush()
    view = subscription_of(session, profile_id=profile_id)
    assert view is not None
    return view


def unsubscribe(session: Session, *, profile_id: int) -> bool:
    """Stop updates at once and withdraw the consent; False if none were on."""
    row = _row(session, profile_id)
    if row is None or row.status != "active":
        return False
    row.status = "unsubscribed"
    row.ended_at = utcnow()
    services.record_consent(
        session,
        profile_id=profile_id,
        kind=CONSENT_KIND,
        granted=False,
        wording_version=WORDING_VERSION,
    )
    return True


def mark_blocked(session: Session, *, profile_id: int) -> None:
    """The parent blocked the bot: send nothing more until they subscribe again."""
    row = _row(session, profile_id)
    if row is not None and row.status == "active":
        row.status = "inactive"
        row.ended_at = utcnow()


def subscription_of(session: Session, *, profile_id: int) -> SubscriptionView | None:
    """The parent's subscription, active or not, or None if they never subscribed."""
    found = session.execute(
        select(ParentSubscription, Unit.code)
        .outerjoin(Unit, Unit.id == ParentSubscription.unit_id)
        .where(ParentSubscription.profile_id == profile_id)
    ).first()
    if found is None:
        return None
    row, unit_code = found
    topics = set(
        session.execute(
            select(SubscriptionTopic.topic).where(
                SubscriptionTopic.subscription_id == row.id
            )
        ).scalars()
    )
    return SubscriptionView(
        profile_id=row.profile_id,
        status=row.status,
        language=row.language,
        child_stage=row.child_stage,
        topics=tuple(t for t in TOPICS if t in topics),
        unit_code=unit_code,
        subscribed_at=row.subscribed_at,
    )


def recipients(session: Session, audience: Audience) -> list[Recipient]:
    """Active subscribers who match the audience, each once, by profile id."""
    stmt = (
        select(
            ParentSubscription.profile_id, ParentSubscription.language, Profile.channel
        )
        .join(Profile, Profile.id == ParentSubscription.profile_id)
        .where(ParentSubscription.status == "active")
        .order_by(ParentSubscription.profile_id)
    )
    if audience.unit_codes:
        codes = [units.normalise_code(c) for c in audience.unit_codes]
        stmt = stmt.join(Unit, Unit.id == ParentSubscription.unit_id).where(
            Unit.code.in_(codes)
        )
    if audience.stages:
        stmt = stmt.where(ParentSubscription.child_stage.in_(audience.stages))
    if audience.languages:
        stmt = stmt.where(ParentSubscription.language.in_(audience.languages))
    if audience.topics:
        wanted = (
            select(SubscriptionTopic.subscription_id)
            .where(SubscriptionTopic.topic.in_(audience.topics))
            .scalar_subquery()
        )
        stmt = stmt.where(ParentSubscription.id.in_(wanted))
    return [Recipient(p, lang, ch) for p, lang, ch in session.execute(stmt)]

"""Parents for tests: a profile, where to reach it, and a subscription."""

from __future__ import annotations

from cld import channels, parents, services
from pathways_kb.db import session_scope


def add_parent(
    name: str,
    *,
    channel: str = "telegram",
    address: str | None = None,
    language: str = "en",
    stage: str = "senior_secondary",
    topics: tuple[str, ...] = ("university",),
    unit: str | None = None,
    subscribe: bool = True,
) -> int:
    """A parent on `channel` (reachable at `address`), subscribed; their profile id."""
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel=channel, channel_user_id=name
        )
        services.set_role(session, profile_id=profile.id, role="parent")
        if address is not None:
            channels.remember_identity(
                session, pseudonym=name, channel=channel, address=address
            )
        if subscribe:
            parents.subscribe(
                session,
                profile_id=profile.id,
                language=language,
                child_stage=stage,
                topics=topics,
                unit_code=unit,
            )
        return profile.id

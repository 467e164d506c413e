"""Pathway suggestions for a roadmap: knowledge-base entries that fit a stage.

Each stage has a curated shortlist; the young person's interests reorder it
through the knowledge-base index, so "design" brings HKDI-related entries first.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pathways_kb import services
from pathways_kb.services import EntryCard

_AFTER_DSE = [
    "jupas-overview",
    "vtc-higher-diploma",
    "ad-vs-hd",
    "dae-diploma-of-applied-education",
    "vtc-diploma-of-foundation-studies",
    "self-financing-degrees",
    "non-jupas-eapp",
    "mainland-admission-scheme",
    "overseas-study-overview",
    "after-dse-options",
]
SHORTLISTS: dict[str, list[str]] = {
    "s3": [
        "vtc-diploma-of-vocational-education",
        "vtc-youth-college",
        "after-s3-options",
        "vtc-diploma-of-vocational-baccalaureate",
        "applied-learning",
    ],
    "s4": ["applied-learning", "jupas-minimum-entry-requirement", *_AFTER_DSE],
    "s5": ["applied-learning", "jupas-minimum-entry-requirement", *_AFTER_DSE],
    "s6": _AFTER_DSE,
    "dse_candidate": ["dse-results-not-ideal", *_AFTER_DSE],
    "post_secondary": [
        "senior-year-articulation",
        "vtc-degree-after-hd",
        "shape-top-up-degrees",
        "sssdp",
        "whs-overview",
        "youth-employment-start",
        "gba-youth-employment",
    ],
    "working": [
        "earn-and-learn",
        "apprenticeship-scheme",
        "yetp",
        "gen-earn-while-studying",
        "dae-diploma-of-applied-education",
        "whs-overview",
    ],
    "neet": [
        "yetp",
        "youth-employment-start",
        "dae-diploma-of-applied-education",
        "vtc-youth-college",
        "emp-career-kick-start",
        "gen-e-navigator",
    ],
}


def suggest_pathways(
    session: Session, *, stage: str | None, interests: str, lang: str, limit: int = 3
) -> list[EntryCard]:
    """Up to `limit` entries for this stage, those closest to the interests first."""
    shortlist = SHORTLISTS.get(stage or "", _AFTER_DSE)
    hits = services.current_index(session).search(interests or "", limit=200)
    score = {h.entry_id: h.score for h in hits}
    ranked = sorted(shortlist, key=lambda e: (-score.get(e, 0.0), shortlist.index(e)))
    return services.entry_cards(session, entry_ids=ranked[:limit], lang=lang)


ALL_SUGGESTED = frozenset(e for ids in SHORTLISTS.values() for e in ids)


def choice_payload(entry_id: str) -> str:
    """The button payload that picks a suggested pathway in the roadmap form."""
    return '/inform{"choice":"' + entry_id + '"}'

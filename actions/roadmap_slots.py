"""Which Rasa slot holds each roadmap section, and moving answers between them."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType, SlotSet

from cld.roadmaps import MIN_MILESTONES, SECTIONS

SLOT_OF = {section: f"rm_{section}" for section in SECTIONS}
MILESTONE_TEXT, MILESTONE_MONTH = "rm_milestone_text", "rm_milestone_month"
# The form asks for milestones one by one; these mark the list as finished.
DONE = "done"
FORM_SLOTS = (*SLOT_OF.values(), MILESTONE_TEXT, MILESTONE_MONTH)


def slots_from(draft: dict[str, Any]) -> list[EventType]:
    """Slot events that put a saved draft back into the form (missing ones empty)."""
    events: list[EventType] = [
        SlotSet(SLOT_OF[s], draft.get(s) or None) for s in SECTIONS
    ]
    milestones = draft.get("milestones") or []
    finished = len(milestones) >= MIN_MILESTONES
    events += [
        SlotSet(MILESTONE_TEXT, DONE if finished else None),
        SlotSet(MILESTONE_MONTH, DONE if finished else None),
    ]
    return events


def cleared() -> list[EventType]:
    """Slot events that empty the whole form."""
    return [SlotSet(name, None) for name in FORM_SLOTS]

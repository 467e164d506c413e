"""What the NLU adds to every typed message (the `detected_language` entity) does
not change what the assistant does next: rules written with the entities a
person gave still match a live message, mid-form included."""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from scripts import paths

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def agent() -> Agent:
    if not paths.MODEL.exists():
        pytest.skip("no trained model: run `make install`")
    return Agent.load(str(paths.MODEL))


def _typed(text: str, intent: str, **entities: str) -> UserUttered:
    """A message as the live NLU gives it: its entities plus the detected language."""
    found = [{"entity": "detected_language", "value": "yue"}]
    found += [{"entity": name, "value": value} for name, value in entities.items()]
    return UserUttered(text, intent={"name": intent, "confidence": 1.0}, entities=found)


def _next_action(agent: Agent, events: list[Event]) -> str:
    tracker = DialogueStateTracker.from_events("live", events, agent.domain.slots)
    prediction = agent.processor._predict_next_with_tracker(tracker)  # type: ignore[union-attr]
    return agent.domain.action_names_or_texts[prediction.max_confidence_index]


def test_typed_language_choice_is_saved(agent: Agent) -> None:
    events: list[Event] = [
        ActionExecuted("action_listen"),
        _typed("中文", "switch_language", language="yue"),
        SlotSet("language_choice", "yue"),
    ]
    assert _next_action(agent, events) == "action_save_language"


def test_typed_language_choice_mid_roadmap_is_saved(agent: Agent) -> None:
    events: list[Event] = [
        ActionExecuted("action_listen"),
        UserUttered("/start_roadmap", intent={"name": "start_roadmap"}),
        ActionExecuted("action_start_roadmap"),
        SlotSet("roadmap_next", "form"),
        ActionExecuted("roadmap_form"),
        ActiveLoop("roadmap_form"),
        SlotSet("requested_slot", "rm_stage"),
        ActionExecuted("action_listen"),
        _typed("中文", "switch_language", language="yue"),
        SlotSet("language_choice", "yue"),
    ]
    assert _next_action(agent, events) == "roadmap_form"  # the form looks first...
    events.append(ActionExecutionRejected("roadmap_form"))  # ...finds no answer
    assert _next_action(agent, events) == "action_save_language"


def test_typed_parent_sign_up_starts_the_form(agent: Agent) -> None:
    events: list[Event] = [
        ActionExecuted("action_listen"),
        _typed("我係家長，想收資訊", "subscribe_updates", role="parent"),
        SlotSet("role", "parent"),
    ]
    assert _next_action(agent, events) == "action_start_parent_updates"

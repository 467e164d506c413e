"""rasa_server.lean_action_calls: custom action calls carry the domain (without
its responses) only to the form validators, which read the same slots from it,
and past user messages without their intent ranking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.forms import FormValidationAction

from actions.forms.parent_form import ValidateParentUpdatesForm
from actions.forms.roadmap_form import ValidateRoadmapForm
from actions.support import recent_intents
from locales import domain_responses
from rasa_server.lean_action_calls import domain_without_responses
from scripts import paths

ENDPOINTS = ("endpoints.yml", "deploy/endpoints.production.yml")


def _built_domain() -> Domain:
    """domain.yml plus the responses from locales/, as scripts/build.py makes it."""
    responses = Domain.from_dict({"responses": domain_responses()})
    return Domain.load(str(paths.ROOT / "domain.yml")).merge(responses)


async def _calls(
    names: list[str],
    domain: Domain,
    tracker: DialogueStateTracker,
    endpoint_kwargs: dict[str, Any],
) -> list[dict[str, Any]]:
    """The bodies the action server receives when Rasa runs `names`."""
    bodies: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    try:
        endpoint = EndpointConfig(str(server.make_url("/webhook")), **endpoint_kwargs)
        for name in names:
            await RemoteAction(name, endpoint).run(
                CollectingOutputChannel(),
                TemplatedNaturalLanguageGenerator(domain.responses),
                tracker,
                domain,
            )
    finally:
        await server.close()
    return bodies


def _with_past_messages(domain: Domain) -> DialogueStateTracker:
    tracker = DialogueStateTracker("someone", domain.slots)
    for number, intent in enumerate(("greet", "ask_pathway", "start_roadmap")):
        ranking = [
            {"name": intent, "confidence": 0.9},
            {"name": "deny", "confidence": 0.1},
        ]
        parsed = {
            "intent": ranking[0],
            "entities": [],
            "text": f"message {number}",
            "intent_ranking": ranking,
            "text_tokens": [[0, 7], [8, 9]],
        }
        tracker.update(UserUttered(parsed["text"], ranking[0], parse_data=parsed))
        tracker.update(ActionExecuted("utter_greet"))
        said = {"utter_action": "utter_greet", "answer": "an answer, twice"}
        data = {"buttons": [{"title": "Yes", "payload": "/affirm"}]}
        tracker.update(BotUttered("an answer, twice", data, metadata=said))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


async def test_the_action_server_gets_no_responses() -> None:
    domain = _built_domain()
    assert len(domain.responses) > 50
    bodies = await _calls(
        ["validate_roadmap_form"],
        domain,
        DialogueStateTracker("someone", domain.slots),
        {"enable_selective_domain": True},
    )
    sent = bodies[0]["domain"]
    full = domain.as_dict()
    assert "responses" not in sent
    assert {k: v for k, v in full.items() if k != "responses"} == sent
    assert len(json.dumps(sent)) < len(json.dumps(full)) / 5


def test_form_validation_reads_the_same_slots_from_the_lean_domain() -> None:
    domain = _built_domain()
    full, lean = domain.as_dict(), domain_without_responses(domain)
    for form in (ValidateRoadmapForm(), ValidateParentUpdatesForm()):
        slots = form.domain_slots(full)
        assert slots, form.name()
        assert form.domain_slots(lean) == slots
    assert domain_without_responses(domain) is lean  # made once per domain


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoints_file_sends_the_domain_selectively(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ACTION_SERVER_URL", "TRACKER_DB_URL", "REDIS_HOST", "REDIS_DB"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("REDIS_PORT", "6379")
    endpoints = read_endpoints_from_path(Path(paths.ROOT / path))
    assert endpoints.action.kwargs.get("enable_selective_domain") is True


def test_every_form_validator_asks_for_the_domain() -> None:
    domain = _built_domain()
    executor = ActionExecutor()
    executor.register_package("actions")
    validators = {
        name
        for name, run in executor.actions.items()
        if isinstance(getattr(run, "__self__", None), FormValidationAction)
    }
    assert {"validate_roadmap_form", "validate_parent_updates_form"} <= validators
    for name in validators:  # Rasa's rule: a validate_* name gets the domain
        assert domain.does_custom_action_explicitly_need_domain(name), name


async def test_only_form_validators_get_the_domain() -> None:
    domain = _built_domain()
    names = ["action_answer_pathway_question", "validate_roadmap_form"]
    answer, validate = await _calls(
        names,
        domain,
        DialogueStateTracker("someone", domain.slots),
        {"enable_selective_domain": True},
    )
    assert "domain" not in answer
    assert validate["domain"] == domain_without_responses(domain)


async def test_past_messages_go_without_ranking_and_bot_words() -> None:
    domain = _built_domain()
    tracker = _with_past_messages(domain)
    (call,) = await _calls(
        ["action_request_human"], domain, tracker, {"enable_selective_domain": True}
    )
    state = call["tracker"]
    sent = [e for e in state["events"] if e["event"] == "user"]
    assert len(sent) == 3
    for event in sent:
        assert {"intent", "entities", "text"} <= set(event["parse_data"])
        assert not {"intent_ranking", "text_tokens"} & set(event["parse_data"])
    assert state["latest_message"]["intent_ranking"][1]["name"] == "deny"
    bots = [e for e in state["events"] if e["event"] == "bot"]
    assert len(bots) == 3
    for event in bots:
        assert event["text"] is None and "data" not in event
        assert event["metadata"] == {"utter_action": "utter_greet"}
    whole = tracker.events  # Rasa's own stay whole
    assert "intent_ranking" in whole[-4].parse_data
    assert whole[-2].text == "an answer, twice" and whole[-2].data["buttons"]
    sdk = Tracker.from_dict(state)
    assert recent_intents(sdk) == "greet,ask_pathway,start_roadmap"
    assert sdk.get_intent_of_latest_message() == "start_roadmap"

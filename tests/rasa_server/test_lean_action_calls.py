"""rasa_server.lean_action_calls: custom action calls carry the domain without
its responses, and rasa-sdk's form validation reads the same slots from it."""

from __future__ import annotations

import json

from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from actions.forms.parent_form import ValidateParentUpdatesForm
from actions.forms.roadmap_form import ValidateRoadmapForm
from locales import domain_responses
from rasa_server.lean_action_calls import domain_without_responses
from scripts import paths


def _built_domain() -> Domain:
    """domain.yml plus the responses from locales/, as scripts/build.py makes it."""
    responses = Domain.from_dict({"responses": domain_responses()})
    return Domain.load(str(paths.ROOT / "domain.yml")).merge(responses)


async def test_the_action_server_gets_no_responses() -> None:
    domain = _built_domain()
    assert len(domain.responses) > 50
    bodies: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    try:
        action = RemoteAction(
            "validate_roadmap_form", EndpointConfig(str(server.make_url("/webhook")))
        )
        await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(domain.responses),
            DialogueStateTracker("someone", domain.slots),
            domain,
        )
    finally:
        await server.close()
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

"""Custom actions: an unreachable action server fails the turn; responses are
checked against Rasa's schema with a validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_server.strict_actions import ActionServerUnavailable
from scripts.stack import free_port


def test_a_valid_response_passes_and_an_invalid_one_is_refused() -> None:
    action = RemoteAction("action_x", None)
    valid = {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []}
    assert action._validate_action_result(valid) is True
    with pytest.raises(ValidationError, match="not of type 'array'"):
        action._validate_action_result({"events": "nope"})


async def test_an_unreachable_action_server_aborts_the_turn() -> None:
    endpoint = EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")
    action = RemoteAction("action_x", endpoint)
    domain = Domain.empty()
    with pytest.raises(ActionServerUnavailable):
        await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator({}),
            DialogueStateTracker("someone", []),
            domain,
        )

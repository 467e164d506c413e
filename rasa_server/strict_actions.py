"""Custom actions that fail the whole turn when the action server cannot answer.

Rasa 3.6 (`MessageProcessor._run_action`) catches every exception of an action,
drops its events and goes on: with the action server down, the student's answer
to a roadmap question is saved as said but never validated, and they get
silence. Here an unreachable, failing (5xx) or hung action server aborts the
turn before anything is saved, so the gateway channel answers 503 and the
person is asked to send it again; the conversation stays as it was.

Rasa also waits 5 minutes for an action; we wait the action server's own limit
(ACTION_TIMEOUT_S, actions/server.py) plus a margin, well below the lock.
And Rasa checks every action server response with `jsonschema.validate`, which
re-checks the schema itself against the metaschema each time: 23 ms of a 75 ms
turn here (benchmarks/load_latency.py, profiled). The validator is built once.

Imported by rasa_server.gateway_channel, so it applies wherever that channel runs.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

import aiohttp
from rasa.core.actions import action as rasa_action
from rasa.shared.exceptions import RasaException

MARGIN_S = 3


class ActionServerUnavailable(BaseException):
    """The action server did not answer; the turn must not be saved.

    A BaseException on purpose: Rasa's `except Exception` around each action
    would swallow anything else.
    """


def request_timeout_s() -> float:
    """How long Rasa waits for one action (its own limit plus a margin)."""
    return float(os.environ.get("ACTION_TIMEOUT_S", "5")) + MARGIN_S


_original_run = rasa_action.RemoteAction.run


async def _run_or_abort(self: rasa_action.RemoteAction, *args: Any, **kwargs: Any):
    try:
        return await _original_run(self, *args, **kwargs)
    except rasa_action.ActionExecutionRejection:
        raise  # a form rejecting the input: Rasa's own handling is right
    except (RasaException, asyncio.TimeoutError, aiohttp.ClientError) as error:
        raise ActionServerUnavailable(self.name()) from error


@functools.cache
def _response_validator() -> Any:
    from jsonschema import validators

    spec = rasa_action.RemoteAction.action_response_format_spec()
    validator = validators.validator_for(spec)
    validator.check_schema(spec)
    return validator(spec)


def _validate_action_result(self: rasa_action.RemoteAction, result: Any) -> bool:
    from jsonschema import ValidationError, exceptions

    error = exceptions.best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, make sure your "
        "response from the Action endpoint is valid."
    )
    raise error


rasa_action.RemoteAction.run = _run_or_abort  # type: ignore[method-assign]
rasa_action.RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
rasa_action.DEFAULT_REQUEST_TIMEOUT = request_timeout_s()

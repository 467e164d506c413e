"""Action calls carry only what the action server reads.

Rasa 3.6 sends the tracker and the whole domain with every custom action call,
and each call is a json.dumps here and a parse there (benchmarks/load_latency.py).
- The domain goes only to the `validate_*` actions (Rasa's selective domain, set
  in the endpoints files), whose form validation reads its forms and slots. It
  goes without its responses: ours holds every response in both languages (built
  from locales/), 100 of its 109 KB, and the action server never reads them (it
  names them; Rasa renders them).
- Past user messages in the tracker's events keep their intent, entities, text
  and ids, not the intent ranking or token offsets (about half of each). The
  latest message, where rasa-sdk reads the ranking, is sent whole.
- Past bot messages keep only which response they were: no action reads what the
  bot said, and a knowledge-base answer is there twice (its text and its template
  values), about 40% of the tracker.

Imported by rasa_server.gateway_channel, so it applies wherever that channel runs.
"""

from __future__ import annotations

from typing import Any

from rasa.core.actions import action as rasa_action
from rasa.shared.core.domain import Domain

_LEAN = "_pathpal_domain_without_responses"
_USER_PARSE_KEYS = ("intent", "entities", "text", "message_id", "metadata")
_original_call_format = rasa_action.RemoteAction._action_call_format


def domain_without_responses(domain: Domain) -> dict[str, Any]:
    """`domain.as_dict()` without "responses", made once per loaded domain."""
    lean = getattr(domain, _LEAN, None)
    if lean is None:
        lean = {k: v for k, v in domain.as_dict().items() if k != "responses"}
        setattr(domain, _LEAN, lean)
    return lean


def slim_event(event: dict[str, Any]) -> dict[str, Any]:
    """User and bot events with only what actions read; others as they are.

    Always a copy where something is left out: the tracker's own events stay whole.
    """
    kind = event.get("event")
    if kind == "bot":
        response = (event.get("metadata") or {}).get("utter_action")
        slim = {"event": "bot", "timestamp": event.get("timestamp"), "text": None}
        return {**slim, "metadata": {"utter_action": response} if response else {}}
    parsed = event.get("parse_data")
    if kind != "user" or not isinstance(parsed, dict):
        return event
    kept = {key: parsed[key] for key in _USER_PARSE_KEYS if key in parsed}
    return {**event, "parse_data": kept}


def _lean_call_format(
    self: rasa_action.RemoteAction, tracker: Any, domain: Domain
) -> dict[str, Any]:
    call = _original_call_format(self, tracker, domain)
    if "domain" in call:
        call["domain"] = domain_without_responses(domain)
    state = call["tracker"]
    state["events"] = [slim_event(event) for event in state.get("events") or []]
    return call


rasa_action.RemoteAction._action_call_format = _lean_call_format  # type: ignore[method-assign]

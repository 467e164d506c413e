"""Action calls carry the domain without its responses.

Rasa 3.6 sends the whole domain with every custom action call; ours holds every
response in both languages (built from locales/), 100 of its 109 KB. The action
server never reads responses (it names them; Rasa renders them), so they are
left out: about 2 ms less CPU per call between json.dumps here and parsing there
(benchmarks/load_latency.py). Forms, slots, intents and actions stay, which is
what rasa-sdk's form validation reads.

Imported by rasa_server.gateway_channel, so it applies wherever that channel runs.
"""

from __future__ import annotations

from typing import Any

from rasa.core.actions import action as rasa_action
from rasa.shared.core.domain import Domain

_LEAN = "_pathpal_domain_without_responses"
_original_call_format = rasa_action.RemoteAction._action_call_format


def domain_without_responses(domain: Domain) -> dict[str, Any]:
    """`domain.as_dict()` without "responses", made once per loaded domain."""
    lean = getattr(domain, _LEAN, None)
    if lean is None:
        lean = {k: v for k, v in domain.as_dict().items() if k != "responses"}
        setattr(domain, _LEAN, lean)
    return lean


def _lean_call_format(
    self: rasa_action.RemoteAction, tracker: Any, domain: Domain
) -> dict[str, Any]:
    call = _original_call_format(self, tracker, domain)
    if "domain" in call:
        call["domain"] = domain_without_responses(domain)
    return call


rasa_action.RemoteAction._action_call_format = _lean_call_format  # type: ignore[method-assign]

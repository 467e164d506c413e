"""Rasa's TED policy with its predictions remembered by dialogue state.

TED reads only the featurized states of the last `max_history` turns (intent,
entity names, slot features, active form, previous action); the same states
always give the same prediction. A conversation repeats a small set of them, so
an instance answers from a bounded cache of recent predictions and runs the
transformer only for states it has not seen (measured: about 4 ms of CPU per
prediction, two to four predictions per turn; benchmarks/load_latency.py).
Predictions that read the user's words (end-to-end TED) are never cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable

from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

CACHE_SIZE = 4096  # predictions kept per instance (about 1 KB each)


def _frozen(value: Any) -> Hashable:
    """A hashable copy of a state (nested dicts, tuples, lists of str/float)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


class _Cache:
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[list[float], bool, Any]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> tuple[list[float], bool, Any] | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, value: tuple[list[float], bool, Any]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class CachedTEDPolicy(TEDPolicy):
    """TEDPolicy (same training, same model) that reuses its own predictions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prediction_cache = _Cache(CACHE_SIZE)

    def _reads_text(self, tracker: DialogueStateTracker) -> bool:
        """Whether this prediction depends on the user's words, not just states."""
        if self.only_e2e:
            return True
        return (
            tracker.latest_action_name == ACTION_LISTEN_NAME
            and TEXT in self.fake_features
        )

    def _state_key(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None,
    ) -> Hashable:
        states = self._prediction_states(tracker, domain, rule_only_data=rule_only_data)
        return _frozen(states)

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: MessageContainerForCoreFeaturization | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """TED's prediction for this tracker, from the cache when its states repeat."""
        if self.model is None or self._reads_text(tracker):
            return super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )
        key = self._state_key(tracker, domain, rule_only_data)
        found = self.prediction_cache.get(key)
        if found is None:
            prediction = super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )
            found = (
                list(prediction.probabilities),
                prediction.is_end_to_end_prediction,
                prediction.diagnostic_data,
            )
            self.prediction_cache.put(key, found)
            return prediction
        probabilities, end_to_end, diagnostic = found
        return self._prediction(
            list(probabilities),
            is_end_to_end_prediction=end_to_end,
            diagnostic_data=diagnostic,
        )

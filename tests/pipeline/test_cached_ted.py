"""pipeline.cached_ted: the cache gives exactly TED's own prediction, for states
reached by different conversations, and never caches what reads the words."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
    YAMLStoryReader,
)

from pipeline.cached_ted import CachedTEDPolicy, _Cache, _frozen
from scripts import paths


def test_frozen_states_ignore_key_order() -> None:
    one = [
        {"user": {"intent": "ask", "entities": ("pathway",)}, "slots": {"a": (1.0,)}}
    ]
    two = [
        {"slots": {"a": (1.0,)}, "user": {"entities": ("pathway",), "intent": "ask"}}
    ]
    assert _frozen(one) == _frozen(two)
    assert hash(_frozen(one)) == hash(_frozen(two))
    assert _frozen(one) != _frozen([{"user": {"intent": "greet"}}])


def test_cache_keeps_the_most_recent() -> None:
    cache = _Cache(2)
    cache.put("a", ([1.0], False, None))
    cache.put("b", ([2.0], False, None))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", ([3.0], False, None))
    assert cache.get("b") is None
    assert cache.get("a") == ([1.0], False, None)
    assert len(cache) == 2
    assert (cache.hits, cache.misses) == (2, 1)


@pytest.fixture(scope="module")
def agent() -> Agent:
    if not paths.MODEL.exists():
        pytest.skip("no trained model: run `make install`")
    return Agent.load(str(paths.MODEL))


def _ted_node(agent: Agent) -> tuple[str, CachedTEDPolicy]:
    nodes = agent.processor.graph_runner._instantiated_nodes  # type: ignore[union-attr]
    name = next(n for n in nodes if n.startswith("run_") and "CachedTEDPolicy" in n)
    return name, nodes[name]._component


def _prefixes(agent: Agent) -> list[DialogueStateTracker]:
    """Every point of every story where TED is asked for the next action."""
    domain = agent.domain
    reader = YAMLStoryReader(domain)
    trackers = []
    for path in sorted(Path(paths.ROOT / "stories").glob("*.yml")):
        for step in reader.read_from_file(str(path)):
            events = [ActionExecuted("action_listen"), *step.events]
            for end, event in enumerate(events):
                if isinstance(event, (ActionExecuted, UserUttered)):
                    trackers.append(
                        DialogueStateTracker.from_events(
                            "cached-ted", events[: end + 1], domain.slots
                        )
                    )
    return trackers


@pytest.mark.slow
def test_cached_predictions_equal_ted_own(agent: Agent) -> None:
    name, policy = _ted_node(agent)
    runner = agent.processor.graph_runner  # type: ignore[union-attr]
    trackers = _prefixes(agent)
    assert len(trackers) > 100

    def predict(tracker: DialogueStateTracker):
        return runner.run({PLACEHOLDER_TRACKER: tracker}, [name])[name]

    policy.prediction_cache = _Cache(0)  # nothing kept: TED itself every time
    uncached = [predict(t).probabilities for t in trackers]
    policy.prediction_cache = cache = _Cache(4096)
    cached = [predict(t).probabilities for t in trackers]
    assert cached == uncached
    # Different conversations reach the same states: most answers came from the cache.
    assert cache.hits > cache.misses
    assert len(cache) == cache.misses


@pytest.mark.slow
def test_predictions_that_read_the_words_bypass_the_cache(
    agent: Agent, monkeypatch
) -> None:
    name, policy = _ted_node(agent)
    runner = agent.processor.graph_runner  # type: ignore[union-attr]
    tracker = _prefixes(agent)[1]
    policy.prediction_cache = cache = _Cache(4096)
    monkeypatch.setattr(policy, "_reads_text", lambda _tracker: True)
    first = runner.run({PLACEHOLDER_TRACKER: tracker}, [name])[name]
    second = runner.run({PLACEHOLDER_TRACKER: tracker}, [name])[name]
    assert first.probabilities == second.probabilities
    assert (len(cache), cache.hits, cache.misses) == (0, 0, 0)

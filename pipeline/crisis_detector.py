"""Rasa NLU component that turns any crisis or self-harm cue into the `crisis` intent.

It runs after the classifiers, so the help lines never depend on a model's
confidence: when `cld.safety` finds a cue, the intent becomes `crisis` with
confidence 1.0, whatever DIET or the fallback said. DIET's own `crisis`
prediction (trained on nlu/*/safety.yml) stays as a second net.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from cld.safety import check

CRISIS = "crisis"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisDetector(GraphComponent):
    """Sets the `crisis` intent on messages with a crisis cue."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisDetector":
        """Create the component (nothing to train)."""
        check("")  # load the cue patterns now, not on the first person's message
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of each message that carries a crisis cue."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not check(text).is_crisis:
                continue
            intent = {"name": CRISIS, "confidence": 1.0}
            ranking = [intent] + [
                i
                for i in message.get(INTENT_RANKING_KEY) or []
                if i.get("name") != CRISIS
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

"""Rasa NLU component that tags each message with the language it is written in.

It adds a `detected_language` entity ("en" or "yue") when the message gives a clear
signal, and nothing when it does not, so the `language` slot keeps the language
of the conversation so far. The decision itself lives in `locales.language`.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from locales.language import detect, warm_up

ENTITY = "detected_language"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Adds a `detected_language` entity from the message's script and wording."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        """Create the component (nothing to train; language data loads now)."""
        warm_up()
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Tag each message whose language is clear."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # a button payload says nothing about the user's language
            lang = detect(text)
            if lang is None:
                continue
            entity = {
                "entity": ENTITY,
                "value": lang,
                "start": 0,
                "end": len(text),
                "confidence": 1.0,
            }
            entities = self.add_extractor_name([entity])
            message.set(
                ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True
            )
        return messages

"""A small bounded map from sender to their most recent value (least recent evicted)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class RecentBySender(Generic[V]):
    """Remembers one value per sender for the most recent `capacity` senders."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._values: "OrderedDict[str, V]" = OrderedDict()
        self._capacity = capacity

    def put(self, sender: str, value: V) -> None:
        """Remember `value` for `sender`."""
        self._values[sender] = value
        self._values.move_to_end(sender)
        while len(self._values) > self._capacity:
            self._values.popitem(last=False)

    def get(self, sender: str, default: V | None = None) -> V | None:
        """The value remembered for `sender`, or `default`."""
        return self._values.get(sender, default)

"""What happened to one message, as every sender reports it to the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cld.deliveries import Job


@dataclass(frozen=True)
class Outcome:
    """The result of one send.

    kind: "sent" | "retry" (not delivered; safe to send again) | "blocked" |
    "failed" (retrying will not help) | "uncertain" (it may have arrived) |
    "not_started" (the gate stayed shut: nothing was sent, nothing to record).
    """

    kind: str
    platform_id: str = ""
    error: str = ""
    retry_after_s: float | None = None  # the platform's own wait, if it named one
    count_attempt: bool = True  # False when the platform, not the message, was busy

    @classmethod
    def sent(cls, platform_id: str) -> "Outcome":
        """Accepted by the platform."""
        return cls("sent", platform_id=platform_id)

    @classmethod
    def retry(
        cls, error: str, *, after_s: float | None = None, count_attempt: bool = True
    ) -> "Outcome":
        """Not delivered, and sending again is safe."""
        return cls(
            "retry", error=error, retry_after_s=after_s, count_attempt=count_attempt
        )


class Gate(Protocol):
    """Marks a delivery as going out. A sender opens it right before the request
    leaves (after any rate-limit wait), and closes it again when the platform
    refused the message, so that only a request truly in flight is `sending`."""

    async def open(self) -> bool:
        """Record that the request goes out now; False: do not send it."""

    async def close(self) -> None:
        """The platform refused it (e.g. 429): it was not sent after all."""


class Sender(Protocol):
    """Delivers jobs on one channel."""

    channel: str

    async def start(self) -> None:
        """Open connections."""

    async def stop(self) -> None:
        """Close connections."""

    async def send(self, job: Job, gate: Gate) -> Outcome:
        """Send one message through `gate`; never raises for platform errors."""

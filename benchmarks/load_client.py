"""The simulated users: asyncio tasks on one aiohttp session, one turn at a time.

Each user sends a turn to a REST channel, waits for the reply, then sends the
next. A turn counts as done when it answers 200 with at least one non-empty
message that is not a gateway "please try again" notice; anything else is
counted as an error by kind (`http_503`, `timeout`, `connection`, `empty`,
`try_again`) and the user carries on with its next turn. Replies starting
with one of `saved` (our "roadmap saved" message) are counted, to show that the
roadmaps really were filled in.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

import aiohttp

from benchmarks.load_scripts import Step


@dataclass
class Phase:
    """What one phase measured: latencies of completed turns, errors, wall time."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    by_turn_ms: list[float | None] = field(default_factory=list)  # first user only
    errors: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    roadmaps_saved: int = 0

    @property
    def done(self) -> int:
        """Turns that completed."""
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float | None:
        """Completed turns per second of wall time."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else None


def classify(status: int, body: Any, refusals: frozenset[str]) -> str | None:
    """Why a reply is an error (None when it is a good reply)."""
    if status != 200:
        return f"http_{status}"
    if not isinstance(body, list):
        return "empty"
    texts = [m.get("text") or "" for m in body if isinstance(m, dict)]
    if not any(t.strip() for t in texts):
        return "empty"
    if any(t in refusals for t in texts):
        return "try_again"
    return None


@dataclass
class Client:
    """Talks to one REST channel; `buttons` says whether it may press buttons."""

    session: aiohttp.ClientSession
    url: str
    buttons: bool
    refusals: frozenset[str] = frozenset()
    saved: tuple[str, ...] = ()
    timeout_s: float = 60.0

    async def turn(
        self, sender: str, step: Step, offered: list[dict[str, Any]]
    ) -> tuple[float | None, str | None, list[dict[str, Any]]]:
        """Send one turn; (latency in ms or None, error kind, the replies)."""
        body: dict[str, Any] = {"sender": sender, "message": step.text}
        if self.buttons and step.button is not None and step.button < len(offered):
            body = {"sender": sender, "payload": offered[step.button]["payload"]}
        started = time.perf_counter()
        try:
            async with self.session.post(
                self.url,
                json=body,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                status = response.status
                reply = (
                    await response.json(content_type=None) if status == 200 else None
                )
        except asyncio.TimeoutError:
            return None, "timeout", []
        except (aiohttp.ClientError, ValueError):
            return None, "connection", []
        elapsed_ms = (time.perf_counter() - started) * 1000
        error = classify(status, reply, self.refusals)
        if error is not None:
            return None, error, []
        return elapsed_ms, None, reply

    async def play(
        self,
        sender: str,
        step: Step,
        offered: list[dict[str, Any]],
        phase: Phase,
        *,
        keep_order: bool,
    ) -> list[dict[str, Any]]:
        """Play one `step` as `sender`, adding to `phase`; returns the buttons now
        offered. `keep_order` records the turn's latency in order (None: error)."""
        latency, error, replies = await self.turn(sender, step, offered)
        if latency is None:
            phase.errors[error or "empty"] += 1
        else:
            phase.latencies_ms.append(latency)
        texts = [m.get("text") or "" for m in replies]
        if self.saved and any(t.startswith(self.saved) for t in texts):
            phase.roadmaps_saved += 1
        if keep_order:
            phase.by_turn_ms.append(latency)
        return [b for m in replies for b in (m.get("buttons") or [])]

    async def converse(
        self, sender: str, script: list[Step], phase: Phase, *, keep_order: bool
    ) -> None:
        """Play `script` as `sender`, one turn after the other."""
        offered: list[dict[str, Any]] = []
        for step in script:
            offered = await self.play(
                sender, step, offered, phase, keep_order=keep_order
            )

    async def run(
        self,
        name: str,
        senders: list[str],
        scripts: list[list[Step]],
        *,
        concurrent: bool,
        keep_order: bool = False,
    ) -> Phase:
        """Play every script, all at once or one after another, and time it."""
        phase = Phase(name=name)
        started = time.perf_counter()
        if concurrent:
            await asyncio.gather(
                *(
                    self.converse(s, script, phase, keep_order=False)
                    for s, script in zip(senders, scripts, strict=True)
                )
            )
        else:
            for sender, script in zip(senders, scripts, strict=True):
                await self.converse(sender, script, phase, keep_order=keep_order)
        phase.elapsed_s = time.perf_counter() - started
        return phase


def combine(name: str, phases: Sequence[Phase]) -> Phase:
    """One phase from several rounds of it: every latency, errors and wall time
    summed, so `per_second` is completed turns over the time spent measuring."""
    merged = Phase(name=name)
    for phase in phases:
        merged.latencies_ms += phase.latencies_ms
        merged.by_turn_ms += phase.by_turn_ms
        merged.errors.update(phase.errors)
        merged.elapsed_s += phase.elapsed_s
        merged.roadmaps_saved += phase.roadmaps_saved
    return merged

"""actions.server.TimedExecutor: each worker thread keeps one event loop (and its
database threads) across action calls; a hung action is cut off at the limit."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from actions.server import TimedExecutor


class _Probe:
    """Stands where rasa-sdk's ActionExecutor is: reports the loop and thread."""

    def __init__(self, sleep_s: float = 0.0) -> None:
        self.sleep_s = sleep_s

    async def run(self, _call: dict[str, Any]) -> tuple[int, int, int]:
        loop = asyncio.get_running_loop()
        helper = await asyncio.to_thread(threading.get_ident)
        time.sleep(self.sleep_s)  # a blocking action, as a stuck database call
        return id(loop), threading.get_ident(), helper


def _executor(threads: int, probe: _Probe, timeout_s: float = 5) -> TimedExecutor:
    executor = TimedExecutor("actions", timeout_s=timeout_s, threads=threads)
    executor._executor = probe  # type: ignore[assignment]
    return executor


async def test_a_thread_keeps_its_loop_and_helper_threads() -> None:
    executor = _executor(1, _Probe())
    first = await executor.run({})
    second = await executor.run({})
    assert first == second  # same loop, same worker, same to_thread helper


async def test_a_hung_action_is_cut_off_and_others_still_run() -> None:
    executor = _executor(2, _Probe(sleep_s=1.0), timeout_s=0.2)
    began = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await executor.run({})
    assert time.monotonic() - began < 0.9
    executor._executor.sleep_s = 0.0  # type: ignore[attr-defined]
    loop_id, worker, _helper = await executor.run({})  # the other worker answers
    assert loop_id and worker

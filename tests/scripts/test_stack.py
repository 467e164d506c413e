"""The process list of scripts.stack.Stack: a killed then restarted process is
not reported as crashed (the fault tests kill and restart servers)."""

from __future__ import annotations

import sys

from scripts.stack import Ports, Stack


def _stack(tmp_path) -> Stack:
    return Stack(ports=Ports.from_env(), log_dir=tmp_path)


def test_an_exited_process_is_reported(tmp_path) -> None:
    stack = _stack(tmp_path)
    stack.launch("quick", [sys.executable, "-c", "pass"]).wait()
    try:
        assert stack.crashed() == "quick"
    finally:
        stack.stop()


def test_a_restarted_process_replaces_the_one_that_exited(tmp_path) -> None:
    stack = _stack(tmp_path)
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    try:
        first = stack.launch("server", sleeper)
        stack.kill("server")
        assert first.poll() is not None
        assert stack.crashed() == "server"
        second = stack.launch("server", sleeper)
        assert stack.crashed() is None
        assert stack.pids() == {"server": [second.pid]}
        assert [name for name, _p, _log in stack.processes] == ["server"]
    finally:
        stack.stop()
    assert second.poll() is not None

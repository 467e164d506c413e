"""Run the assistant locally: `chat` in the terminal, or `serve` the REST channel.

Ctrl-C stops every process this started.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

from scripts import paths
from scripts.stack import Stack, StackError


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Start the stack, then chat in the terminal or serve until interrupted."""
    # Ctrl-C, and `kill` too, stop every process this started (even when a shell
    # started us in the background with SIGINT ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["chat", "serve"])
    args = parser.parse_args()
    stack = Stack()
    print(
        "==> starting action server, Rasa, gateway and dashboard "
        f"(logs: {stack.log_dir})"
    )
    try:
        stack.start()
    except StackError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit(130)
    print(
        f"==> dashboard for social workers: {stack.dashboard_url()}  (first admin: "
        ".venv/bin/python -m dashboard create-admin NAME)"
    )
    try:
        if args.mode == "chat":
            subprocess.run(
                [
                    str(paths.ROOT / ".venv" / "bin" / "python"),
                    "-m",
                    "bot.terminal_chat",
                    "--url",
                    stack.gateway_url(),
                ],
                cwd=paths.ROOT,
                check=False,
            )
        else:
            print(
                f"==> REST channel: POST {stack.gateway_url()}  "
                '{"sender": "me", "message": "hi"}   (Ctrl-C stops)'
            )
            while (crashed := stack.crashed()) is None:
                time.sleep(1)
            print(f"error: {crashed} stopped; see {stack.log_dir}/{crashed}.log")
    except KeyboardInterrupt:
        pass
    finally:
        print("==> stopping")
        stack.stop()


if __name__ == "__main__":
    main()

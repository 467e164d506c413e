"""Run the assistant locally: `chat` in the terminal, or `serve` the REST channel.

Ctrl-C stops every process this started.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from scripts import paths
from scripts.stack import Stack, StackError, serve_until_interrupted, stop_on_signals


def main() -> None:
    """Start the stack, then chat in the terminal or serve until interrupted."""
    stop_on_signals()
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
    if args.mode == "serve":
        print(
            f"==> REST channel: POST {stack.gateway_url()}  "
            '{"sender": "me", "message": "hi"}   (Ctrl-C stops)'
        )
        serve_until_interrupted(stack)
        return
    try:
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
    except KeyboardInterrupt:
        pass
    finally:
        print("==> stopping")
        stack.stop()


if __name__ == "__main__":
    main()

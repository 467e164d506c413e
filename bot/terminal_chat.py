"""Chat with the assistant in a terminal, through the gateway's REST channel.

Buttons are shown numbered; type the number to press one. Ctrl-D or Ctrl-C quits.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any


def send(url: str, body: dict[str, str]) -> list[dict[str, Any]]:
    """POST one turn to the gateway and return its replies."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        replies: list[dict[str, Any]] = json.load(response)
    return replies


def show(replies: list[dict[str, Any]]) -> list[str]:
    """Print replies; return the payloads of the buttons, in the order shown."""
    payloads: list[str] = []
    for reply in replies:
        sys.stdout.write(f"\033[36mPathPal:\033[0m {reply.get('text', '')}\n")
        for button in reply.get("buttons", []):
            payloads.append(button["payload"])
            sys.stdout.write(f"   [{len(payloads)}] {button['title']}\n")
    sys.stdout.flush()
    return payloads


def main() -> None:
    """Read lines from the terminal and chat until the person quits."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8080/webhooks/rest/webhook")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args()
    print("Type a message (English or 中文). Numbers press buttons. Ctrl-D to quit.")
    payloads: list[str] = []
    while True:
        try:
            line = input("\033[33mYou:\033[0m ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if not line:
            continue
        body = {"sender": args.sender, "message": line}
        if line.isdigit() and 1 <= int(line) <= len(payloads):
            body = {"sender": args.sender, "payload": payloads[int(line) - 1]}
        try:
            payloads = show(send(args.url, body))
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as error:
            print(f"(could not reach the assistant: {error})")


if __name__ == "__main__":
    main()

"""Run every check the project has, in order, and print one closing line.

1. ruff (lint)  2. rasa data validate --fail-on-warnings  3. pytest (unit, both
databases, end-to-end with the real servers)  4. rasa test on the conversation
tests, failing on any wrong prediction.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from scripts import paths

BIN = paths.ROOT / ".venv" / "bin"
ENV = paths.rasa_env(dict(os.environ))

CHECKS: list[tuple[str, list[str]]] = [
    ("lint", [str(BIN / "ruff"), "check", "."]),
    (
        "validate training data",
        [
            str(BIN / "rasa"),
            "data",
            "validate",
            "--fail-on-warnings",
            "--config",
            "config.yml",
            "--domain",
            str(paths.DOMAIN),
            "--data",
            "nlu",
            "stories",
        ],
    ),
    ("pytest", [str(BIN / "pytest"), "-p", "no:cacheprovider"]),
    (
        "conversation tests",
        [
            str(BIN / "rasa"),
            "test",
            "core",
            "--model",
            str(paths.MODEL),
            "--stories",
            "tests/conversations",
            "--fail-on-prediction-errors",
            "--out",
            str(paths.BUILD / "results"),
            "--no-plot",
        ],
    ),
]


def main() -> None:
    """Run all checks (continuing after a failure) and exit non-zero if any failed."""
    failed: list[str] = []
    for name, command in CHECKS:
        print(f"\n==> {name}", flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=paths.ROOT, env=ENV, check=False)
        status = "ok" if result.returncode == 0 else f"FAILED ({result.returncode})"
        print(f"==> {name}: {status} in {time.monotonic() - started:.0f} s", flush=True)
        if result.returncode != 0:
            failed.append(name)
    print()
    if failed:
        print("failed checks: " + ", ".join(failed))
    print(f"checks: {len(CHECKS) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

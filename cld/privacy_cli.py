"""`python -m cld privacy export|erase|purge`: personal data requests by an operator."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from cld import config, privacy, tracker_events
from pathways_kb.db import session_scope


def add_parser(verbs: argparse._SubParsersAction) -> None:
    """Register the `privacy` command and its three verbs."""
    parser = verbs.add_parser("privacy", help="export, erase or purge personal data")
    tasks = parser.add_subparsers(dest="task", required=True)
    export = tasks.add_parser("export", help="everything held about one person")
    export.add_argument("--person", required=True, help="pseudonym, e.g. tg-3f2a...")
    export.add_argument("--out", required=True, type=Path, help="JSON file to write")
    erase = tasks.add_parser("erase", help="delete one person from every store")
    erase.add_argument("--person", required=True, help="pseudonym, e.g. tg-3f2a...")
    erase.add_argument("--yes", action="store_true", help="really erase")
    purge = tasks.add_parser("purge", help="apply TRANSCRIPT_RETENTION_DAYS now")
    purge.add_argument("--days", type=int, help="instead of the setting")


def run(args: argparse.Namespace) -> int:
    """Carry out one privacy verb; returns the exit code."""
    try:
        settings = config.load_privacy()
    except config.ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tracker = tracker_events.connect(settings.tracker_db_url)
    try:
        return _run(args, settings, tracker)
    finally:
        tracker.dispose()


def _run(
    args: argparse.Namespace, settings: config.PrivacySettings, tracker: Engine
) -> int:
    if args.task == "export":
        try:
            with session_scope() as session:
                document = privacy.export_person(session, tracker, person=args.person)
        except LookupError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        text = json.dumps(document, ensure_ascii=False, indent=2)
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        print(f"wrote {args.out}: {json.dumps(document['summary'])}")
        return 0
    if args.task == "erase":
        if not args.yes:
            print("error: erasure cannot be undone; add --yes", file=sys.stderr)
            return 2
        with session_scope() as session:
            done = privacy.erase_person(session, tracker, person=args.person)
        print(
            f"erased: {done.profiles} profiles, {done.identities} addresses, "
            f"{done.events} conversation events, {done.inbox} waiting messages"
        )
        return 0
    days = args.days or settings.retention_days
    with session_scope() as session:
        purged = privacy.purge(session, tracker, days=days)
    print(
        f"purged (older than {days} days): {purged.events} conversation events, "
        f"{purged.inbox} inbox rows"
    )
    return 0

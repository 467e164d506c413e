"""Curator commands for the knowledge base.

python -m pathways_kb validate          check every seed file; list all problems
python -m pathways_kb load [--force]    validate, then replace the KB in one transaction
python -m pathways_kb stale [--today D] entries past their review_by date
python -m pathways_kb search QUESTION   the ranking for a question, with scores
python -m pathways_kb stats             counts by pathway, audience and file
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from pathways_kb import db, loader, services
from pathways_kb.models import Entry, EntryAlias


def _validate(seed_dir: Path) -> int:
    try:
        specs, _ = loader.read_seed(seed_dir)
    except loader.SeedError as error:
        print(error, file=sys.stderr)
        return 1
    files = len({s.file for s in specs})
    print(f"OK: {len(specs)} entries in {files} files, all valid")
    return 0


def _load(seed_dir: Path, force: bool) -> int:
    db.migrate()
    try:
        with db.session_scope() as session:
            report = loader.load(session, seed_dir=seed_dir, force=force)
    except loader.SeedError as error:
        print(f"{error}\nNothing was loaded.", file=sys.stderr)
        return 1
    state = "loaded" if report.changed else "unchanged"
    print(f"{state}: {report.entries} entries (content {report.content_hash[:12]})")
    return 0


def _stale(today: date) -> int:
    with db.session_scope() as session:
        rows = session.execute(
            select(Entry.id, Entry.review_by, Entry.source_file)
            .where(Entry.review_by < today)
            .order_by(Entry.review_by, Entry.id)
        ).all()
    for entry_id, review_by, source_file in rows:
        print(f"{review_by}  {entry_id}  ({source_file})")
    print(f"{len(rows)} entries past review_by on {today}")
    return 0


def _search(question: str, lang: str, audience: str | None) -> int:
    with db.session_scope() as session:
        result = services.answer(
            session, question=question, lang=lang, audience=audience
        )
        for rank, hit in enumerate(result.hits, start=1):
            terms = ", ".join(hit.matched_terms) or "-"
            print(f"{rank}. {hit.score:7.2f}  {hit.entry_id}  (aliases: {terms})")
    if result.entry:
        print(f"answer: {result.entry.id}")
    elif result.choices:
        print("clarify between: " + ", ".join(c.id for c in result.choices))
    else:
        print(f"no answer (best score below {services.MIN_SCORE})")
    return 0


def _stats(today: date) -> int:
    with db.session_scope() as session:
        entries = session.execute(select(Entry)).scalars().all()
        aliases = session.execute(
            select(func.count()).select_from(EntryAlias)
        ).scalar_one()
    print(f"{len(entries)} entries, {aliases} aliases")
    for label, counter in (
        ("pathway", Counter(e.pathway for e in entries)),
        ("audience", Counter(e.audience for e in entries)),
        ("file", Counter(e.source_file for e in entries)),
    ):
        print(
            f"by {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))
        )
    print(f"unverified: {sum(not e.verified for e in entries)}")
    print(f"past review_by on {today}: {sum(e.review_by < today for e in entries)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one curator command; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m pathways_kb",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed-dir", type=Path, default=loader.SEED_DIR)
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("validate")
    load = verbs.add_parser("load")
    load.add_argument("--force", action="store_true", help="reload even if unchanged")
    for name in ("stale", "stats"):
        verb = verbs.add_parser(name)
        verb.add_argument("--today", type=date.fromisoformat, default=date.today())
    search = verbs.add_parser("search")
    search.add_argument("question")
    search.add_argument("--lang", choices=["en", "yue"], default="en")
    search.add_argument("--audience", choices=["youth", "parent"])
    args = parser.parse_args(argv)
    if args.verb == "validate":
        return _validate(args.seed_dir)
    if args.verb == "load":
        return _load(args.seed_dir, args.force)
    if args.verb == "stale":
        return _stale(args.today)
    if args.verb == "search":
        return _search(args.question, args.lang, args.audience)
    return _stats(args.today)

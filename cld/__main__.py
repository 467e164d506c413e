"""Admin commands for the app's data: `python -m cld add-unit CODE NAME`, `units`,
`privacy export|erase|purge` (see cld/privacy.py)."""

from __future__ import annotations

import argparse
import sys

from cld import privacy_cli, units
from pathways_kb.db import session_scope


def main(argv: list[str] | None = None) -> int:
    """Run one admin command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m cld", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add-unit", help="register a unit youth can share with")
    add.add_argument("code", help="3-16 letters or digits, e.g. YSC01")
    add.add_argument("name", help="the name youth see, e.g. 'Youth Centre (Sha Tin)'")
    verbs.add_parser("units", help="list the units")
    privacy_cli.add_parser(verbs)
    args = parser.parse_args(argv)
    if args.verb == "privacy":
        return privacy_cli.run(args)
    if args.verb == "add-unit":
        try:
            with session_scope() as session:
                unit = units.add_unit(session, code=args.code, name=args.name)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"added unit {unit.code}: {unit.name}")
        return 0
    with session_scope() as session:
        for unit in units.all_units(session):
            print(f"{unit.code}\t{unit.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

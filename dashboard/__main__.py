"""The dashboard: `python -m dashboard serve`, and its accounts.

  serve                                   serve the pages (DASHBOARD_PORT, 8090)
  create-admin USERNAME                   the first admin (password asked twice)
  add-account USERNAME --role worker|supervisor --unit CODE [--name NAME] [--lang yue]
  accounts                                list the accounts
Passwords are read from the terminal, or from standard input with --password-stdin.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from cld import staff
from pathways_kb.db import session_scope


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("serve", help="serve the dashboard")
    admin = verbs.add_parser("create-admin", help="create an admin account")
    admin.add_argument("username")
    admin.add_argument("--password-stdin", action="store_true")
    add = verbs.add_parser("add-account", help="add a social worker or supervisor")
    add.add_argument("username")
    add.add_argument("--role", choices=("worker", "supervisor"), required=True)
    add.add_argument("--unit", required=True, help="the unit's code")
    add.add_argument("--name", default="", help="the name others see")
    add.add_argument("--lang", choices=("en", "yue"), default="en")
    add.add_argument("--password-stdin", action="store_true")
    verbs.add_parser("accounts", help="list the accounts")
    args = parser.parse_args(argv)
    if args.verb == "serve":
        from dashboard.app import main as serve

        serve()
        return 0
    try:
        if args.verb == "accounts":
            with session_scope() as session:
                for a in staff.list_accounts(session):
                    unit = a.unit_code or "-"
                    print(f"{a.username}\t{a.role}\t{unit}\t{a.display_name}")
            return 0
        password = _password(args)
        with session_scope() as session:
            account = staff.create_account(
                session,
                username=args.username,
                password=password,
                role="admin" if args.verb == "create-admin" else args.role,
                display_name=getattr(args, "name", ""),
                unit_code=getattr(args, "unit", None),
                language=getattr(args, "lang", "en"),
            )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"created {account.role} {account.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

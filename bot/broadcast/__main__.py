"""Parent updates from the command line: `python -m bot.broadcast --help`.

templates                       the update templates and their values
preview TEMPLATE [-p k=v ...]   both languages, with examples for missing values
send TEMPLATE -p k=v ... [--unit CODE] [--stage S] [--topic T] [--lang L]
     [--at "2026-12-03 09:00"] [--urgent] [--dry-run]
                                create a broadcast and send it, with a progress bar
worker                          send whatever is due, until stopped (Ctrl-C)
report ID | list | cancel ID    follow broadcasts
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import datetime, timezone

from tqdm import tqdm

from bot import config
from bot.broadcast.senders import build_worker
from cld import broadcasts, deliveries, parents
from cld.models import utcnow
from cld.quiet_hours import HONG_KONG, next_allowed
from locales import update_templates
from pathways_kb.db import session_scope

STATUS_ORDER = ("sent", "failed", "blocked", "skipped", "uncertain")


class UsageError(ValueError):
    """A command-line value that cannot be used (shown without a traceback)."""


def _params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"'{pair}' is not NAME=VALUE")
        params[name.strip()] = value
    return params


def _when(text: str | None) -> datetime | None:
    """A time typed in Hong Kong time ("2026-12-03 09:00"), or with its offset."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise UsageError(f"'{text}' is not a time like 2026-12-03 09:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HONG_KONG)
    return moment.astimezone(timezone.utc)


def _audience(args: argparse.Namespace) -> parents.Audience:
    try:
        return parents.Audience(
            unit_codes=tuple(args.unit or ()),
            stages=tuple(args.stage or ()),
            topics=tuple(args.topic or ()),
            languages=tuple(args.lang or ()),
        )
    except ValueError as error:
        raise UsageError(str(error)) from None


def _line(report: broadcasts.Report) -> str:
    parts = [f"{s} {report[s]:,}" for s in STATUS_ORDER]
    parts.append(f"waiting {report.open:,}")
    return " · ".join(parts)


def cmd_templates(_args: argparse.Namespace) -> int:
    for t in update_templates.update_templates():
        values = ", ".join(t.params) or "(no values)"
        urgent = " [may be urgent]" if t.urgent_allowed else ""
        print(f"{t.id}\t{t.topic}\t{values}{urgent}\n    {t.titles.get('en', '')}")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    template = update_templates.get_template(args.template)
    params = {**dict(template.examples), **_params(args.param or [])}
    for lang, body in update_templates.render_update(args.template, params).items():
        print(f"--- {lang} ---\n{body}\n")
    return 0


def _show_plan(plan: broadcasts.Plan) -> None:
    langs = ", ".join(f"{k} {v:,}" for k, v in sorted(plan.by_language.items()))
    chans = ", ".join(f"{k} {v:,}" for k, v in sorted(plan.by_channel.items()))
    print(f"audience: {plan.total:,} parents ({langs or 'none'}; {chans or '-'})")
    if plan.unreachable:
        print(f"  {plan.unreachable:,} more use a channel that cannot receive updates")
    for lang, body in plan.texts.items():
        print(f"--- preview ({lang}) ---\n{body}\n")


def cmd_send(args: argparse.Namespace) -> int:
    params = _params(args.param or [])
    audience = _audience(args)
    send_at = _when(args.at)
    with session_scope() as session:
        plan = broadcasts.plan(
            session, template_id=args.template, params=params, audience=audience
        )
    _show_plan(plan)
    if args.dry_run:
        print("dry run: nothing was sent")
        return 0
    if plan.total == 0:
        print("no parent matches this audience; nothing was created")
        return 0
    with session_scope() as session:
        broadcast_id = broadcasts.create(
            session,
            template_id=args.template,
            params=params,
            audience=audience,
            created_by=args.by,
            send_at=send_at,
            urgent=args.urgent,
        )
    start = next_allowed(send_at or utcnow(), urgent=args.urgent)
    print(f"broadcast {broadcast_id} created")
    if start > utcnow():
        local = start.astimezone(HONG_KONG).strftime("%Y-%m-%d %H:%M")
        print(
            f"it goes out from {local} Hong Kong time (quiet hours 22:00-08:00 "
            "unless urgent); the gateway's worker or `worker` sends it then"
        )
        return 0
    return asyncio.run(_send_with_progress(broadcast_id))


async def _send_with_progress(broadcast_id: int) -> int:
    worker = build_worker(config.load())
    if worker is None:
        print("no channel is configured (TELEGRAM_TOKEN / TWILIO_AUTH_TOKEN)")
        return 1
    stop = asyncio.Event()
    _stop_on_signals(stop)
    task = asyncio.get_running_loop().create_task(worker.run(stop))
    report = await asyncio.to_thread(_report, broadcast_id)
    with tqdm(total=report.total, unit="msg", file=sys.stderr) as bar:
        while not stop.is_set():
            await asyncio.sleep(0.5)
            report = await asyncio.to_thread(_report, broadcast_id)
            bar.n = report.done
            bar.set_postfix_str(
                f"failed {report['failed']} blocked {report['blocked']}"
            )
            bar.refresh()
            if report.open == 0 or task.done():
                break
    stop.set()
    await task
    report = await asyncio.to_thread(_report, broadcast_id)
    print(f"broadcast {broadcast_id}: {_line(report)}")
    if report.open:
        print("the rest is waiting for a retry; the gateway's worker carries on")
    return 0


def _report(broadcast_id: int) -> broadcasts.Report:
    with session_scope() as session:
        return broadcasts.report(session, broadcast_id=broadcast_id)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def cmd_worker(_args: argparse.Namespace) -> int:
    worker = build_worker(config.load())
    if worker is None:
        raise UsageError(
            "no channel is configured (TELEGRAM_TOKEN / TWILIO_AUTH_TOKEN)"
        )

    async def run() -> None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        logging.getLogger(__name__).warning("broadcast worker %s started", worker.name)
        await worker.run(stop)

    asyncio.run(run())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    with session_scope() as session:
        found = broadcasts.overview(session, broadcast_id=args.id)
    if not found:
        raise UsageError(f"no broadcast {args.id}")
    print(f"broadcast {args.id}: {_line(found[0].report)}")
    return 0


def cmd_list(_args: argparse.Namespace) -> int:
    with session_scope() as session:
        views = broadcasts.overview(session)
    for view in views:
        when = view.send_at.astimezone(HONG_KONG)
        state = " (cancelled)" if view.cancelled else ""
        print(
            f"{view.id}\t{view.template_id}\t{when:%Y-%m-%d %H:%M} HKT{state}\t"
            f"{_line(view.report)}"
        )
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    with session_scope() as session:
        try:
            skipped = broadcasts.cancel(session, broadcast_id=args.id)
        except LookupError as error:
            raise UsageError(str(error)) from None
    print(f"broadcast {args.id} cancelled; {skipped} waiting messages will not be sent")
    return 0


def cmd_resend_uncertain(args: argparse.Namespace) -> int:
    with session_scope() as session:
        if not broadcasts.overview(session, broadcast_id=args.id):
            raise UsageError(f"no broadcast {args.id}")
        queued = deliveries.requeue_uncertain(session, broadcast_id=args.id)
    print(f"broadcast {args.id}: {queued} uncertain messages queued again")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(
        prog="python -m bot.broadcast",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = top.add_subparsers(dest="verb", required=True)
    verbs.add_parser("templates", help="list the update templates")
    preview = verbs.add_parser("preview", help="show a template in both languages")
    preview.add_argument("template")
    preview.add_argument("-p", "--param", action="append", metavar="NAME=VALUE")
    send = verbs.add_parser("send", help="send an update to parents")
    send.add_argument("template")
    send.add_argument("-p", "--param", action="append", metavar="NAME=VALUE")
    send.add_argument("--unit", action="append", metavar="CODE")
    send.add_argument("--stage", action="append", choices=parents.CHILD_STAGES)
    send.add_argument("--topic", action="append", choices=parents.TOPICS)
    send.add_argument("--lang", action="append", choices=parents.LANGUAGES)
    send.add_argument("--at", help="Hong Kong time, e.g. '2026-12-03 09:00'")
    send.add_argument("--urgent", action="store_true", help="may go out in quiet hours")
    send.add_argument("--dry-run", action="store_true", help="size and preview only")
    send.add_argument("--by", default="cli", help="who is sending (kept on record)")
    verbs.add_parser("worker", help="send due messages until stopped")
    report = verbs.add_parser("report", help="delivery counts of one broadcast")
    report.add_argument("id", type=int)
    verbs.add_parser("list", help="all broadcasts")
    cancel = verbs.add_parser("cancel", help="stop a broadcast's waiting messages")
    cancel.add_argument("id", type=int)
    resend = verbs.add_parser(
        "resend-uncertain", help="queue uncertain messages again (maybe twice)"
    )
    resend.add_argument("id", type=int)
    return top


COMMANDS = {
    "templates": cmd_templates,
    "preview": cmd_preview,
    "send": cmd_send,
    "worker": cmd_worker,
    "report": cmd_report,
    "list": cmd_list,
    "cancel": cmd_cancel,
    "resend-uncertain": cmd_resend_uncertain,
}


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s %(message)s"
    )
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.verb](args)
    except (UsageError, update_templates.TemplateError, config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

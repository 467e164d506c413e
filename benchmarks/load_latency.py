"""Load and latency: our assistant against a plain `rasa init` bot, in one run.

Usage: python -m benchmarks.load_latency [--quick] [--users 20] [--turns 20]
       [--rounds 2] [--long 300] [--json PATH]

Simulated users talk over the REST channel, each waiting for its reply before
its next turn: ours through the gateway of production mode (knowledge-base
questions in English, Cantonese and mixed, and roadmaps), the baseline straight
to `rasa run` (rasa init's intents, Rasa's REST channel). Both keep their
conversations in a SQL tracker store on the local PostgreSQL.

All three set-ups (the baseline, ours on 2 Rasa instances, ours on 1) are started
first and stay up; then each is measured in turn, in rounds whose order is
reversed every other round (baseline, 2, 1, then 1, 2, baseline), so load from
elsewhere on a shared machine falls on all of them alike. The long conversation
of the baseline and ours advance in lockstep, one turn of each in turn. The
report gives, with ratios to the baseline and PASS/MISS against the targets:
per-turn p50/p95 for 1 user and for N concurrent users, messages/s under the
N-user load, 1 vs 2 Rasa instances, memory by role, and turns 1-10 against the
last 10 turns of one long conversation. Needs the trained model (make install),
nginx and Redis (make production) and PostgreSQL (POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

import aiohttp

from benchmarks import load_report, load_scripts
from benchmarks.load_client import Client, Phase, combine
from benchmarks.load_ours import Production
from benchmarks.load_scripts import Step
from benchmarks.load_servers import (
    Baseline,
    cpu_by_role,
    cpu_spent,
    memory_by_role,
)
from scripts import paths

LOG_ROOT = paths.BUILD / "benchmarks" / "logs"
SEED = 8


class Server(Protocol):
    """What the benchmark needs of a set-up (Baseline, Production)."""

    def start(self, *, timeout_s: float = ...) -> None: ...

    def stop(self) -> None: ...

    def url(self) -> str: ...

    def pids(self) -> dict[str, list[int]]: ...


@dataclass(frozen=True)
class Options:
    """How much load to send."""

    users: int
    turns: int
    one_user_scripts: int
    rounds: int
    long_turns: int
    warmup_turns: int
    json_path: Path | None


@dataclass
class Figures:
    """What one set-up measured (every round combined)."""

    label: str
    one: Phase | None = None
    many: Phase | None = None
    long: Phase | None = None
    memory_mb: dict[str, float] = field(default_factory=dict)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per turn, N users


@dataclass
class Setup:
    """One system under test: its server, its client, what its users say."""

    key: str
    tag: str  # short, for sender ids
    label: str
    server: Server
    client: Client
    scripts: list[list[Step]]
    warmup: list[list[Step]]
    one_user_scripts: int  # 0: no 1-user phase
    ones: list[Phase] = field(default_factory=list)
    manys: list[Phase] = field(default_factory=list)
    memory_mb: dict[str, float] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)  # N-user phases, summed

    def senders(self, run_id: str, phase: str, count: int) -> list[str]:
        """Fresh sender ids for one phase, so every phase starts new conversations."""
        return [f"lb-{run_id}-{self.tag}-{phase}-{n}" for n in range(count)]

    def figures(self, long: Phase | None) -> Figures:
        """The rounds combined."""
        return Figures(
            label=self.label,
            one=combine("1 user", self.ones) if self.ones else None,
            many=combine(self.manys[0].name, self.manys) if self.manys else None,
            long=long,
            memory_mb=self.memory_mb,
            cpu_ms=self.cpu_ms_per_turn(),
        )

    def cpu_ms_per_turn(self) -> dict[str, float]:
        """CPU ms per answered turn of the N-user phases, by role and in total."""
        turns = sum(p.done for p in self.manys)
        if not turns:
            return {}
        per_turn = {role: s * 1000 / turns for role, s in self.cpu_s.items()}
        return {**per_turn, "total": sum(per_turn.values())}


async def sample_memory(
    pids: Callable[[], dict[str, list[int]]], peak: dict[str, float], every_s: float
) -> None:
    """Keep the largest RSS seen per role (and in total) in `peak` until cancelled."""
    while True:
        now = memory_by_role(pids())
        for role, mb in now.items():
            peak[role] = max(peak.get(role, 0.0), mb)
        peak["total"] = max(peak.get("total", 0.0), sum(now.values()))
        await asyncio.sleep(every_s)


async def measure_round(setup: Setup, run_id: str, round_no: int) -> None:
    """One user through its scripts in turn, then every user at once (sampling
    memory), on senders of this round."""
    client = setup.client
    if setup.one_user_scripts:
        chosen = setup.scripts[: setup.one_user_scripts]
        print(f"  {setup.label}: 1 user ({sum(map(len, chosen))} turns)", flush=True)
        setup.ones.append(
            await client.run(
                "1 user",
                setup.senders(run_id, f"one{round_no}", len(chosen)),
                chosen,
                concurrent=False,
            )
        )
    users = len(setup.scripts)
    turns = sum(map(len, setup.scripts))
    print(f"  {setup.label}: {users} users ({turns} turns)", flush=True)
    sampler = asyncio.create_task(
        sample_memory(setup.server.pids, setup.memory_mb, every_s=1.0)
    )
    cpu_before = cpu_by_role(setup.server.pids())
    try:
        setup.manys.append(
            await client.run(
                f"{users} users",
                setup.senders(run_id, f"many{round_no}", users),
                setup.scripts,
                concurrent=True,
            )
        )
    finally:
        sampler.cancel()
    spent = cpu_spent(cpu_before, cpu_by_role(setup.server.pids()))
    for role, seconds in spent.items():
        setup.cpu_s[role] = setup.cpu_s.get(role, 0.0) + seconds


async def lockstep(
    plays: list[tuple[Client, str, list[Step]]], names: list[str]
) -> list[Phase]:
    """Long conversations advancing together: turn n of each, then turn n + 1, so
    load from elsewhere falls on their early and late turns alike."""
    phases = [Phase(name=name) for name in names]
    offered: list[list[dict[str, Any]]] = [[] for _ in plays]
    spent = [0.0 for _ in plays]
    for turn in range(max(len(script) for _c, _s, script in plays)):
        for index, (client, sender, script) in enumerate(plays):
            if turn < len(script):
                begun = time.perf_counter()
                offered[index] = await client.play(
                    sender, script[turn], offered[index], phases[index], keep_order=True
                )
                spent[index] += time.perf_counter() - begun
    for phase, elapsed in zip(phases, spent, strict=True):
        phase.elapsed_s = elapsed
    return phases


async def start_all(
    setups: list[Setup], run_id: str, exits: contextlib.AsyncExitStack
) -> None:
    """Start every set-up (stopped on leaving `exits`), then warm each one up."""
    for setup in setups:
        print(f"==> starting {setup.key}: {setup.label}", flush=True)
        began = time.perf_counter()
        exits.push_async_callback(asyncio.to_thread, setup.server.stop)
        await asyncio.to_thread(setup.server.start, timeout_s=300)
        setup.client.url = setup.server.url()
        print(f"  up in {time.perf_counter() - began:.0f} s", flush=True)
    for setup in setups:
        turns = sum(map(len, setup.warmup))
        print(f"==> warming up {setup.key} ({turns} turns)", flush=True)
        await setup.client.run(
            "warm-up",
            setup.senders(run_id, "warm", len(setup.warmup)),
            setup.warmup,
            concurrent=True,
        )


def _refusals() -> frozenset[str]:
    from locales import render

    keys = ("gateway_try_again", "gateway_button_expired", "gateway_please_type")
    return frozenset(render(k, lang).text for k in keys for lang in ("en", "yue"))


def _saved() -> tuple[str, ...]:
    from locales import render

    return tuple(
        render("utter_roadmap_saved", lang, version="\x00").text.split("\x00")[0]
        for lang in ("en", "yue")
    )


def make_setups(
    options: Options, session: aiohttp.ClientSession, run_id: str, log_dir: Path
) -> list[Setup]:
    """The baseline, ours on 2 Rasa instances and ours on 1, with their scripts."""
    today = date.today()
    ours_scripts = load_scripts.ours_scripts(
        options.users, options.turns, seed=SEED, today=today
    )
    ours_warmup = [
        s[: options.warmup_turns]
        for s in load_scripts.ours_scripts(6, 30, seed=SEED + 1, today=today)
    ]
    setups = [
        Setup(
            key="baseline",
            tag="b",
            label="rasa init",
            server=Baseline(database=f"bench_baseline_{run_id}", log_dir=log_dir),
            client=Client(session=session, url="", buttons=False),
            scripts=load_scripts.baseline_scripts(
                options.users, options.turns, seed=SEED
            ),
            warmup=[load_scripts.baseline_long(options.warmup_turns)] * 6,
            one_user_scripts=options.one_user_scripts,
        )
    ]
    for key, instances, one_user in (("ours", 2, True), ("ours, 1 instance", 1, False)):
        server = Production(instances=instances, log_dir=log_dir / f"ours{instances}")
        setups.append(
            Setup(
                key=key,
                tag=f"o{instances}",
                label=server.label,
                server=server,
                client=Client(
                    session=session,
                    url="",
                    buttons=True,
                    refusals=_refusals(),
                    saved=_saved(),
                ),
                scripts=ours_scripts,
                warmup=ours_warmup,
                one_user_scripts=options.one_user_scripts if one_user else 0,
            )
        )
    return setups


async def run(options: Options, run_id: str, log_dir: Path) -> dict[str, Figures]:
    """Start everything, measure in alternating rounds, then the long conversations."""
    today = date.today()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        setups = make_setups(options, session, run_id, log_dir)
        base, ours = setups[0], setups[1]
        async with contextlib.AsyncExitStack() as exits:
            await start_all(setups, run_id, exits)
            for round_no in range(options.rounds):
                order = setups if round_no % 2 == 0 else setups[::-1]
                print(f"==> round {round_no + 1} of {options.rounds}", flush=True)
                for setup in order:
                    await measure_round(setup, run_id, round_no)
            turns = options.long_turns
            print(
                f"==> one conversation of {turns} turns each, in lockstep", flush=True
            )
            long_base, long_ours = await lockstep(
                [
                    (
                        base.client,
                        base.senders(run_id, "long", 1)[0],
                        load_scripts.baseline_long(turns),
                    ),
                    (
                        ours.client,
                        ours.senders(run_id, "long", 1)[0],
                        load_scripts.ours_long(turns, seed=SEED, today=today),
                    ),
                ],
                names=["long", "long"],
            )
    longs = {"baseline": long_base, "ours": long_ours}
    return {s.key: s.figures(longs.get(s.key)) for s in setups}


def options_from(args: argparse.Namespace) -> Options:
    """The load to send, from the command line (`--quick` shrinks the defaults)."""
    quick = args.quick
    long_turns = args.long or (40 if quick else 300)
    long_turns = max(20, long_turns - long_turns % load_scripts.CYCLE)
    return Options(
        users=args.users,
        turns=args.turns or (6 if quick else 20),
        one_user_scripts=2 if quick else 4,
        rounds=args.rounds or (1 if quick else 2),
        long_turns=long_turns,
        warmup_turns=4 if quick else 10,
        json_path=args.json,
    )


def main() -> None:
    """Run the benchmark and print (and optionally save) the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer turns (smoke run)")
    parser.add_argument("--users", type=int, default=20, help="concurrent users (20)")
    parser.add_argument("--turns", type=int, help="turns per user (20; quick 6)")
    parser.add_argument("--rounds", type=int, help="measuring rounds (2; quick 1)")
    parser.add_argument(
        "--long", type=int, help="long conversation turns (300; quick 40)"
    )
    parser.add_argument("--json", type=Path, help="also save the figures as JSON here")
    options = options_from(parser.parse_args())
    run_id = uuid.uuid4().hex[:6]
    log_dir = LOG_ROOT / run_id
    log_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    print(f"load benchmark {run_id}: logs in {log_dir}", flush=True)
    results = asyncio.run(run(options, run_id, log_dir))
    context = {
        "run_id": run_id,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - started, 1),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
        "options": {
            "users": options.users,
            "turns_per_user": options.turns,
            "one_user_scripts": options.one_user_scripts,
            "rounds": options.rounds,
            "long_turns": options.long_turns,
        },
    }
    report = load_report.build(results, context)
    print()
    print(load_report.render(report))
    if options.json_path:
        options.json_path.parent.mkdir(parents=True, exist_ok=True)
        options.json_path.write_text(
            json.dumps(report.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
        print(f"\nfigures saved to {options.json_path}")


if __name__ == "__main__":
    main()

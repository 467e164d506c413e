"""The pure parts of the load benchmark: percentiles, ratios, targets, report, scripts."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import date

import pytest

from benchmarks import load_report, load_scripts
from benchmarks.load_client import Phase, classify, combine
from benchmarks.load_latency import Figures, Setup
from benchmarks.load_servers import cpu_by_role, cpu_spent
from benchmarks.load_stats import (
    P50,
    SCALE_OUT,
    Row,
    Target,
    format_table,
    percentile,
    ratio,
)
from bot.rest import SENDER_PATTERN


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([7.0], 0.95, 7.0),
        ([1.0, 2.0, 3.0], 0.5, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        ([float(n) for n in range(1, 101)], 0.95, 95.05),
        ([5.0, 1.0, 3.0], 1.0, 5.0),
    ],
)
def test_percentile(values, share, expected):
    assert percentile(values, share) == pytest.approx(expected)


def test_percentile_of_nothing_is_none():
    assert percentile([], 0.5) is None


@pytest.mark.parametrize(
    ("ours", "baseline", "expected"),
    [(3.0, 2.0, 1.5), (None, 2.0, None), (3.0, None, None), (3.0, 0.0, None)],
)
def test_ratio(ours, baseline, expected):
    assert ratio(ours, baseline) == expected


@pytest.mark.parametrize(
    ("target", "value", "verdict"),
    [
        (Target("<=", 1.3), 1.3, "PASS"),
        (Target("<=", 1.3), 1.31, "MISS"),
        (Target(">=", 1.5), 1.6, "PASS"),
        (Target(">=", 1.5), 1.2, "MISS"),
        (Target("<=", 1.3), None, "n/a"),
    ],
)
def test_target_verdict(target, value, verdict):
    assert target.verdict(value) == verdict


def test_a_row_compares_ours_with_the_baseline():
    row = Row("p50", 130.0, 100.0, "ms", P50)
    assert (row.ratio, row.verdict) == (pytest.approx(1.3), "PASS")


def test_the_table_shows_ratio_target_and_verdict():
    table = format_table([Row("msg/s", 3.0, 2.0, "/s", SCALE_OUT)])
    assert table.splitlines()[-1].split() == [
        "msg/s",
        "3.00",
        "2.00",
        "1.50x",
        ">=",
        "1.5x",
        "PASS",
    ]


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (503, None, "http_503"),
        (200, [], "empty"),
        (200, {"error": "x"}, "empty"),
        (200, [{"recipient_id": "a", "text": "  "}], "empty"),
        (200, [{"recipient_id": "a", "text": "try again"}], "try_again"),
        (200, [{"recipient_id": "a", "text": "Hey! How are you?"}], None),
    ],
)
def test_classify(status, body, kind):
    assert classify(status, body, frozenset({"try again"})) == kind


def _phase(name, latencies, *, elapsed=10.0, errors=None):
    return Phase(
        name=name,
        latencies_ms=list(latencies),
        by_turn_ms=list(latencies),
        errors=Counter(errors or {}),
        elapsed_s=elapsed,
    )


def _figures(label, scale, memory, cpu=None):
    return Figures(
        label=label,
        one=_phase("1 user", [scale * n for n in range(1, 21)]),
        many=_phase("20 users", [scale * 10] * 100, errors={"timeout": 1}),
        long=_phase("long", [scale] * 10 + [scale * 2] * 10),
        memory_mb=memory,
        cpu_ms=cpu or {},
    )


def _results():
    return {
        "baseline": _figures(
            "rasa init",
            1.0,
            {"rasa": 500.0, "total": 500.0},
            {"rasa": 40.0, "postgres": 10.0, "total": 50.0},
        ),
        "ours": _figures(
            "2 instances",
            1.2,
            {"rasa": 700.0, "gateway": 100.0, "total": 800.0},
            {"rasa": 60.0, "gateway": 20.0, "postgres": 20.0, "total": 100.0},
        ),
        "ours, 1 instance": _figures(
            "1 instance",
            2.0,
            {"rasa": 400.0, "gateway": 100.0, "total": 500.0},
            {"rasa": 50.0, "gateway": 20.0, "postgres": 10.0, "total": 80.0},
        ),
    }


def _rows(report, title_start):
    tables = report.as_dict()["tables"]
    return next(
        t["rows"] for title, t in tables.items() if title.startswith(title_start)
    )


def test_the_report_compares_latency_with_the_baseline():
    report = load_report.build(_results(), {"run_id": "t", "options": {"users": 20}})
    rows = _rows(report, "ours (2 instances) vs the baseline")
    assert [(r["label"], r["verdict"]) for r in rows] == [
        ("1 user: p50 per turn (ms)", "PASS"),
        ("1 user: p95 per turn (ms)", "PASS"),
        ("20 users: p50 per turn (ms)", "PASS"),
        ("20 users: p95 per turn (ms)", "PASS"),
        ("20 users: messages/s", None),
    ]


def test_the_report_misses_a_target_it_does_not_meet():
    results = _results()
    results["ours"] = _figures("2 instances", 1.4, {"total": 800.0})
    report = load_report.build(results, {"options": {"users": 20}})
    rows = _rows(report, "ours (2 instances) vs the baseline")
    assert [r["verdict"] for r in rows[:2]] == ["MISS", "PASS"]
    assert "MISS" in load_report.render(report)


def test_the_report_gives_two_instances_against_one():
    report = load_report.build(_results(), {"options": {"users": 20}})
    throughput = _rows(report, "ours: 2 Rasa instances vs 1")[0]
    assert (throughput["ours"], throughput["baseline"]) == (10.0, 10.0)
    assert (throughput["ratio"], throughput["verdict"]) == (1.0, "MISS")


def test_the_report_gives_memory_of_each_set_up():
    report = load_report.build(_results(), {"options": {"users": 20}})
    rows = _rows(report, "server memory")
    assert [(r["label"], r["ours"], r["baseline"]) for r in rows] == [
        ("gateway", 100.0, None),
        ("rasa", 700.0, 500.0),
        ("all servers", 800.0, 500.0),
        ("1 instance: rasa", 400.0, 500.0),
        ("1 instance: all servers", 500.0, 500.0),
    ]


def test_the_report_gives_cpu_per_turn_and_the_bound_it_sets():
    report = load_report.build(_results(), {"options": {"users": 20}, "cores": 2})
    rows = _rows(report, "CPU per answered turn")
    assert [(r["label"], r["ours"], r["baseline"], r["ratio"]) for r in rows] == [
        ("gateway", 20.0, None, None),
        ("postgres", 20.0, 10.0, 2.0),
        ("rasa", 60.0, 40.0, 1.5),
        ("all", 100.0, 50.0, 2.0),
        ("1 instance: all", 80.0, 50.0, 1.6),
    ]
    text = load_report.render(report)
    assert "ours 20.0/s, baseline 40.0/s, 1 instance 25.0/s" in text


def test_cpu_spent_between_two_readings_of_this_process():
    before = cpu_by_role({"me": [os.getpid()]})
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    spent = cpu_spent(before, cpu_by_role({"me": [os.getpid()]}))
    assert 0.1 <= spent["me"] <= 2.0
    assert {"me", "postgres", "redis"} <= set(spent)
    assert cpu_spent({"gone": 5.0}, {"gone": 1.0}) == {"gone": 0.0}


def test_the_report_compares_early_and_late_turns_of_a_long_conversation():
    report = load_report.build(_results(), {"options": {"users": 20}})
    rows = _rows(report, "latency against conversation length")
    assert [(r["label"], r["ratio"], r["verdict"]) for r in rows] == [
        ("ours (ms)", 2.0, "MISS"),
        ("baseline (ms)", 2.0, None),
    ]


def test_the_report_counts_errors_and_saves_as_json():
    report = load_report.build(_results(), {"run_id": "t", "options": {"users": 20}})
    text = load_report.render(report)
    assert "errors (non-200, timeouts, empty or try-again replies): 3" in text
    assert json.loads(json.dumps(report.as_dict()))["run_id"] == "t"


def test_combine_adds_up_rounds():
    first = _phase("20 users", [1.0, 2.0], elapsed=2.0, errors={"timeout": 1})
    second = _phase("20 users", [3.0], elapsed=1.0, errors={"timeout": 1, "empty": 1})
    merged = combine("20 users", [first, second])
    assert (merged.latencies_ms, merged.elapsed_s, merged.per_second) == (
        [1.0, 2.0, 3.0],
        3.0,
        1.0,
    )
    assert merged.errors == Counter({"timeout": 2, "empty": 1})


def test_long_medians_compare_the_first_and_last_ten_turns():
    phase = _phase("long", [1.0] * 10 + [5.0] * 280 + [3.0] * 9 + [None])
    assert load_report.long_medians(phase) == (1.0, 3.0)


def test_the_long_conversation_ends_with_the_turns_it_began_with():
    script = load_scripts.ours_long(300, seed=8, today=date(2026, 12, 2))
    assert [s.text for s in script[:10]] == [s.text for s in script[-10:]]
    assert [s.text for s in script].count("build my roadmap") == 1


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_a_roadmap_takes_17_turns_with_months_ahead(lang):
    steps = load_scripts.roadmap_steps(lang, date(2026, 12, 2))
    assert len(steps) == 17
    assert {"2027-02", "2027年2月"} & {s.text for s in steps}


def test_each_user_script_has_the_turns_asked_for():
    scripts = load_scripts.ours_scripts(20, 20, seed=8, today=date(2026, 12, 2))
    assert [len(s) for s in scripts] == [20] * 20
    assert (
        sum(s[1].text in ("build my roadmap", "我想整生涯規劃") for s in scripts) == 10
    )


def test_baseline_users_say_what_rasa_init_understands():
    scripts = load_scripts.baseline_scripts(20, 20, seed=8)
    known = {text for texts in load_scripts.BASELINE_SAYS.values() for text in texts}
    assert [len(s) for s in scripts] == [20] * 20
    assert {step.text for s in scripts for step in s} <= known


def test_sender_ids_are_ones_the_gateway_accepts():
    setup = Setup(
        key="ours, 1 instance",
        tag="o1",
        label="",
        server=None,
        client=None,
        scripts=[],
        warmup=[],
        one_user_scripts=0,
    )
    senders = setup.senders("a0befb", "many1", 20)
    assert len(set(senders)) == 20
    assert all(SENDER_PATTERN.match(s) for s in senders)

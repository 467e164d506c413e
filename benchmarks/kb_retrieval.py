"""Knowledge-base retrieval: accuracy on the evaluation set, and latency.

Usage: python -m benchmarks.kb_retrieval [--errors]
Prints top-1 and top-3 accuracy per language group (en, zh, mixed) and for
parents, then search latency p50/p95 on the real knowledge base and on one padded
to 1,000 entries with synthetic entries made from the real ones' words.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from pathways_kb import db, loader, services, text
from pathways_kb.retrieval import Document, Index

DATA = Path(__file__).parent / "data" / "kb_questions.tsv"
SYNTHETIC_TOTAL = 1000


@dataclass(frozen=True)
class Question:
    """One evaluation question and the entries that answer it."""

    text: str
    answers: frozenset[str]
    group: str
    audience: str


def load_questions(path: Path = DATA) -> list[Question]:
    """Read the evaluation set (text, entry ids separated by |, group, audience)."""
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Question(
                text=r["question"],
                answers=frozenset(r["entry_ids"].split("|")),
                group=r["group"],
                audience=r.get("audience") or "youth",
            )
            for r in rows
        ]


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def padded_index(documents: list[Document], total: int, seed: int = 7) -> Index:
    """The real documents plus synthetic ones built from their words, `total` in all."""
    rng = random.Random(seed)
    words = [w for d in documents for text in d.answers for w in text.split()]
    extra = []
    for n in range(total - len(documents)):
        template = rng.choice(documents)
        body = " ".join(rng.choices(words, k=60))
        extra.append(
            replace(
                template,
                entry_id=f"synthetic-{n}",
                titles=(" ".join(rng.choices(words, k=5)),),
                aliases=(f"synthetic alias {n}",),
                facts=(body[:120],),
                answers=(body,),
            )
        )
    return Index(documents + extra)


def main() -> None:
    """Print accuracy and latency tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list top-1 misses")
    args = parser.parse_args()
    db.configure("sqlite://")
    db.migrate("sqlite://")
    with db.session_scope() as session:
        loader.load(session)
    questions = load_questions()
    top1: dict[str, list[bool]] = defaultdict(list)
    top3: dict[str, list[bool]] = defaultdict(list)
    misses = []
    with db.session_scope() as session:
        index = services.current_index(session)
        for q in questions:
            audience = "parent" if q.audience == "parent" else None
            ranked = [
                h.entry_id for h in index.search(q.text, audience=audience, limit=3)
            ]
            for key in ("all", q.group) + (("parents",) if audience else ()):
                top1[key].append(bool(ranked) and ranked[0] in q.answers)
                top3[key].append(bool(set(ranked) & q.answers))
            if not ranked or ranked[0] not in q.answers:
                misses.append((q, ranked))
    print(f"retrieval on {len(questions)} questions, {len(index.documents)} entries")
    print(f"{'group':<8} {'n':>4} {'top-1':>7} {'top-3':>7}")
    for key in ("all", "en", "zh", "mixed", "parents"):
        if key in top1:
            n = len(top1[key])
            print(
                f"{key:<8} {n:>4} {sum(top1[key]) / n:>7.1%} {sum(top3[key]) / n:>7.1%}"
            )
    for label, idx in (
        (f"real KB ({len(index.documents)} entries)", index),
        (
            f"padded KB ({SYNTHETIC_TOTAL} entries)",
            padded_index(index.documents, SYNTHETIC_TOTAL),
        ),
    ):
        timings = []
        for q in questions * 3:
            text.analyse.cache_clear()  # time the analysis of a new question too
            started = time.perf_counter()
            idx.search(q.text)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"latency {label}: p50 {percentile(timings, 0.5):.2f} ms, "
            f"p95 {percentile(timings, 0.95):.2f} ms, "
            f"mean {statistics.mean(timings):.2f} ms"
        )
    if args.errors:
        for q, ranked in misses:
            print(
                f"  [{q.group}] {q.text!r}: expected {sorted(q.answers)}, got {ranked}"
            )


if __name__ == "__main__":
    main()

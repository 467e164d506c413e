"""Crisis-cue detection on the labelled phrase set, per label and language.

Usage: python -m benchmarks.crisis [--errors]
Prints how often the help lines would be sent: for explicit and indirect cues
(should be 100% and >= 90%) and for hyperbole and ordinary messages (false alarms,
should be <= 10% and <= 2%), and the time per message.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import defaultdict
from pathlib import Path

from cld.safety import check

DATA = Path(__file__).parent / "data" / "crisis_phrases.tsv"
LABELS = ("explicit", "indirect", "hyperbole", "ordinary")
LANGS = ("en", "yue", "zh", "mixed")


def load(path: Path = DATA) -> list[tuple[str, str, str]]:
    """(text, label, lang) rows."""
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["text"], r["label"], r["lang"]) for r in rows]


def main() -> None:
    """Print the detection table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list every mistake")
    args = parser.parse_args()
    rows = load()
    flagged: dict[tuple[str, str], list[bool]] = defaultdict(list)
    mistakes = []
    started = time.perf_counter()
    for text, label, lang in rows:
        hit = check(text).is_crisis
        flagged[(label, lang)].append(hit)
        flagged[(label, "all")].append(hit)
        if hit != (label in ("explicit", "indirect")):
            mistakes.append((label, lang, text))
    per_message_us = (time.perf_counter() - started) / len(rows) * 1e6
    print(f"crisis cues on {len(rows)} labelled messages ({DATA.name})")
    print(f"{'label':<10}" + "".join(f"{lang:>9}" for lang in (*LANGS, "all")))
    for label in LABELS:
        cells = []
        for lang in (*LANGS, "all"):
            hits = flagged.get((label, lang), [])
            cells.append(f"{sum(hits) / len(hits):>8.1%} " if hits else f"{'-':>9}")
        print(f"{label:<10}" + "".join(cells))
    print("(share of messages that get the help lines)")
    print(f"time: {per_message_us:.0f} us per message")
    if args.errors:
        for label, lang, text in mistakes:
            print(f"  [{label}/{lang}] {text}")


if __name__ == "__main__":
    main()

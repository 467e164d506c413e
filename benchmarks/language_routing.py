"""Language-routing accuracy on labelled messages, side by side with raw langdetect.

Usage: python -m benchmarks.language_routing [--errors]
Prints accuracy overall, per group (en, zh, mixed, romanised) and for short
messages (1-3 words, or 1-6 Chinese characters), for our router and for raw
langdetect (seeded; zh-* counted as Cantonese, en as English, anything else wrong).
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from locales.language import has_han, reply_language, warm_up

DATA = Path(__file__).parent / "data" / "language_routing.tsv"


@dataclass(frozen=True)
class Sample:
    """One labelled message."""

    text: str
    label: str
    group: str

    @property
    def short(self) -> bool:
        """1-3 words, or 1-6 characters for Chinese."""
        if has_han(self.text):
            return len(self.text.replace(" ", "")) <= 6
        return len(self.text.split()) <= 3


def load(path: Path = DATA) -> list[Sample]:
    """Read the labelled set."""
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Sample(r["text"], r["label"], r["group"]) for r in rows]


def raw_langdetect(text: str) -> str:
    """langdetect alone, mapped onto our two reply languages."""
    try:
        best = detect_langs(text)[0].lang
    except LangDetectException:
        return "none"
    if best.startswith("zh"):
        return "yue"
    return "en" if best == "en" else best


def main() -> None:
    """Print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--errors", action="store_true", help="list our router's mistakes"
    )
    args = parser.parse_args()
    DetectorFactory.seed = 0
    warm_up()
    samples = load()
    ours_ok: dict[str, list[bool]] = defaultdict(list)
    raw_ok: dict[str, list[bool]] = defaultdict(list)
    mistakes: list[tuple[Sample, str]] = []
    started = time.perf_counter()
    for sample in samples:
        ours = reply_language(sample.text)
        keys = ["all", sample.group] + (["short"] if sample.short else [])
        for key in keys:
            ours_ok[key].append(ours == sample.label)
        if ours != sample.label:
            mistakes.append((sample, ours))
    per_message_us = (time.perf_counter() - started) / len(samples) * 1e6
    for sample in samples:
        raw = raw_langdetect(sample.text)
        for key in ["all", sample.group] + (["short"] if sample.short else []):
            raw_ok[key].append(raw == sample.label)

    print(f"language routing on {len(samples)} labelled messages ({DATA.name})")
    print(f"{'group':<10} {'n':>5} {'ours':>8} {'langdetect':>11} {'ratio':>7}")
    for key in ["all", "en", "zh", "mixed", "romanised", "short"]:
        if key not in ours_ok:
            continue
        n = len(ours_ok[key])
        ours_acc = sum(ours_ok[key]) / n
        raw_acc = sum(raw_ok[key]) / n
        ratio = f"{ours_acc / raw_acc:.2f}x" if raw_acc else "inf"
        print(f"{key:<10} {n:>5} {ours_acc:>8.1%} {raw_acc:>11.1%} {ratio:>7}")
    print(f"router time: {per_message_us:.0f} us per message")
    if args.errors:
        for sample, got in mistakes:
            print(
                f"  [{sample.group}] expected {sample.label}, got {got}: {sample.text}"
            )


if __name__ == "__main__":
    main()

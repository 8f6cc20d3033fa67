"""Extraction throughput: articles per second on one core, after warm-up.

Usage: python benchmarks/extract_speed.py [--rounds N]

Runs the full pipeline (segmentation, dates, gazetteer places, casualties, actors, cues,
claims, assembly) over every seed article and gold text of 3-5 KB (padded by repeating
paragraphs of the seeds when a text is shorter), and reports articles per second and
milliseconds per article. Prints one JSON line at the end for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

from incidents.extract.pipeline import Extractor

ROOT = Path(__file__).resolve().parent.parent


def corpus() -> list[str]:
    """Seed and gold texts brought to 3-5 KB each."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "seeds").glob("*.txt"))]
    texts += [
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "data" / "gold" / "texts").glob("*.txt"))
    ]
    filler = texts[1].split("\n")
    out = []
    for text in texts:
        i = 0
        while len(text.encode()) < 3000:
            text += "\n" + filler[i % len(filler)]
            i += 1
        out.append(text[:5000])
    return out


def main() -> None:
    """Time the extractor and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = corpus()
    start = time.perf_counter()
    extractor = Extractor()
    for text in texts[:3]:
        extractor.extract(text, published=date(2024, 1, 9))  # warm-up: lexicons, gazetteer
    warmup = time.perf_counter() - start
    per_round = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for text in texts:
            extractor.extract(text, published=date(2024, 1, 9))
        per_round.append((time.perf_counter() - t0) / len(texts))
    best, median = min(per_round), statistics.median(per_round)
    kb = statistics.mean(len(t.encode()) for t in texts) / 1024
    print(f"{len(texts)} articles of {kb:.1f} KB on average, {args.rounds} rounds, one core")
    print(f"start-up and warm-up: {warmup:.2f} s")
    print(
        f"median {median * 1000:.1f} ms/article = {1 / median:.1f} articles/s (best {1 / best:.1f})"
    )
    print(
        json.dumps(
            {
                "articles": len(texts),
                "kb": round(kb, 1),
                "ms_median": round(median * 1000, 2),
                "articles_per_s": round(1 / median, 1),
            }
        )
    )


if __name__ == "__main__":
    main()

"""Percentiles for the benchmarks' printouts."""

import statistics


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples: list[float]) -> str:
    """``samples`` in seconds → "p50 … ms, p99 … ms, mean … ms (n=…)"."""
    milliseconds = [sample * 1000 for sample in samples]
    return (
        f"p50 {percentile(milliseconds, 0.5):.2f} ms, p99 {percentile(milliseconds, 0.99):.2f} ms, "
        f"mean {statistics.fmean(milliseconds):.2f} ms (n={len(milliseconds)})"
    )

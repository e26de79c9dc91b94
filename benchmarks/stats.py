"""Medians with spread: every timed figure is a sample summarized the same way."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    """A sample's median, interquartile range and extremes (same unit as the sample)."""

    n: int
    median: float
    q1: float
    q3: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("an empty sample has no summary")
        ordered = sorted(values)
        if len(ordered) == 1:
            q1 = q3 = ordered[0]
        else:
            q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        return cls(len(ordered), statistics.median(ordered), q1, q3, ordered[0], ordered[-1])

    def text(self, unit: str = "ms", digits: int = 1) -> str:
        """``12.3 ms (IQR 12.0-12.9, min-max 11.8-14.0)``."""
        f = f"{{:.{digits}f}}"
        return (
            f"{f.format(self.median)} {unit} (IQR {f.format(self.q1)}-{f.format(self.q3)}, "
            f"range {f.format(self.low)}-{f.format(self.high)})"
        ).replace(" ()", "")


def ratio(numerator: Summary, denominator: Summary) -> float:
    """Ratio of medians."""
    return numerator.median / denominator.median


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Summary:
    """Summary of per-round ratios (rounds interleave the two, so drift cancels within a pair)."""
    return Summary.of([a / b for a, b in zip(numerators, denominators, strict=True)])

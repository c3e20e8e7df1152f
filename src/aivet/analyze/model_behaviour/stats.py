"""Proportions with Wilson 95% intervals, and differences of two with Newcombe's interval.

Wilson's score interval behaves at 0 of n and n of n, where the textbook
normal interval collapses to a point; Newcombe's hybrid score interval (his
method 10, 1998) combines two Wilson intervals into one for the difference,
with the same good behaviour. Both are closed forms: no sampling, no SciPy.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(count: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for `count` successes of `n` (n > 0)."""
    if n <= 0:
        raise ValueError("a proportion needs at least one trial")
    if not 0 <= count <= n:
        raise ValueError(f"{count} of {n} is not a proportion")
    p = count / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # Exact at the ends: floating point must not put 0 of n above 0.
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == n else min(1.0, centre + half)
    return low, high


def newcombe(
    count1: int, n1: int, count2: int, n2: int, z: float = Z95
) -> tuple[float, float, float]:
    """p1 - p2 with Newcombe's hybrid score 95% interval: (difference, low, high)."""
    p1, p2 = count1 / n1, count2 / n2
    l1, u1 = wilson(count1, n1, z)
    l2, u2 = wilson(count2, n2, z)
    diff = p1 - p2
    low = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return diff, max(-1.0, low), min(1.0, high)

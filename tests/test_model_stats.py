"""Wilson and Newcombe intervals against published values."""

from __future__ import annotations

import pytest

from aivet.analyze.model_behaviour.stats import newcombe, wilson


@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, table I (Wilson score, method 3).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_matches_newcombe_table(count: int, n: int, low: float, high: float) -> None:
    got = wilson(count, n)
    assert got == pytest.approx((low, high), abs=6e-5)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, table II (method 10).
        ((56, 70), (48, 80), (0.2000, 0.0524, 0.3339)),
        ((9, 10), (3, 10), (0.6000, 0.1705, 0.8090)),
        ((5, 56), (0, 29), (0.0893, -0.0381, 0.1926)),
        ((0, 10), (0, 20), (0.0, -0.1611, 0.2775)),
        ((10, 10), (0, 20), (1.0, 0.6791, 1.0)),
    ],
)
def test_newcombe_matches_published_intervals(
    a: tuple[int, int], b: tuple[int, int], expected: tuple[float, float, float]
) -> None:
    assert newcombe(*a, *b) == pytest.approx(expected, abs=6e-5)


def test_bad_proportions_are_refused() -> None:
    with pytest.raises(ValueError):
        wilson(1, 0)
    with pytest.raises(ValueError):
        wilson(3, 2)

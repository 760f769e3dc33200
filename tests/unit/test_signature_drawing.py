"""The signature's drawing as the server makes it from the pad's points: one path, fewer points, the
same line to within a quarter of the pen's width."""

from __future__ import annotations

import itertools
import math
import random
import re

from app.visits.services import SIMPLIFY_WITHIN, _from_segment, _simplified, strokes_to_svg


def _farthest_from(drawn: list[tuple[float, float]], points: list[tuple[float, float]]) -> float:
    """How far the farthest of `points` lies from the polyline `drawn`."""
    return max(min(_from_segment(p, a, b) for a, b in itertools.pairwise(drawn)) for p in points)


def test_a_densely_sampled_straight_stroke_keeps_its_ends():
    """A slow, straight pen stroke sampled every pixel: is it drawn from its two ends alone?"""
    points = [(10 + i, 50 + i / 2) for i in range(200)]
    assert _simplified(points) == [points[0], points[-1]]


def test_a_wavering_stroke_stays_within_half_a_pixel():
    """A hand's stroke (curves, jitter): are fewer points kept, and does every point of the pad lie
    within SIMPLIFY_WITHIN of the line drawn from them?"""
    rng = random.Random(7)
    points = [(20 + i * 1.5, 100 + 40 * math.sin(i / 15) + rng.uniform(-0.3, 0.3)) for i in range(300)]
    drawn = _simplified(points)
    assert len(drawn) < len(points) / 3
    assert drawn[0] == points[0] and drawn[-1] == points[-1]
    assert _farthest_from(drawn, points) <= SIMPLIFY_WITHIN + 1e-9


def test_a_stroke_that_goes_on_and_comes_back_keeps_its_turn():
    """A pen that runs out along a line and back over it: is the turning point kept (it lies on the
    line of the stroke's ends, but not between them)?"""
    points = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (7.0, 0.0), (5.0, 0.0)]
    assert (10.0, 0.0) in _simplified(points)


def test_the_strokes_are_one_path_and_a_dot_stays_a_dot():
    """Two strokes and a dot (the i's): one <path> with a subpath per stroke, and the dot a circle?"""
    strokes = [
        {"points": [{"x": 10, "y": 10}, {"x": 60, "y": 40}, {"x": 110, "y": 10}]},
        {"points": [{"x": 10, "y": 100}, {"x": 200, "y": 100}]},
        {"points": [{"x": 300, "y": 20}]},
    ]
    svg = strokes_to_svg(strokes, 500, 200)
    [d] = re.findall(r'<path d="([^"]+)"/>', svg)
    assert d == "M10.0 10.0 L60.0 40.0 L110.0 10.0 M10.0 100.0 L200.0 100.0"
    assert svg.count("<circle") == 1 and 'cx="300.0" cy="20.0"' in svg

"""Label placement: kept labels never overlap, more fit as the view zooms in, and the check can fail."""

from __future__ import annotations

import numpy as np

from tmlmap.network.label_placement import (
    ZOOM_LEVELS,
    greedy_fit,
    label_boxes,
    overlaps,
    place_chart_labels,
    place_labels,
    text_widths,
)


def crowd(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.normal(0, 150, size=(n, 2))
    radius = rng.uniform(4, 20, size=n)
    labels = [f"term {i} " + "x" * int(rng.integers(0, 12)) for i in range(n)]
    font = rng.uniform(11, 16, size=n)
    return xy, radius, labels, font, rng.uniform(0, 1, size=n)


def visible_boxes(xy, radius, labels, font, mask, level):  # noqa: ANN001, ANN201
    on = (mask >> level) & 1 == 1
    boxes = label_boxes(xy[on], radius[on], text_widths([labels[i] for i in np.flatnonzero(on)], font[on]),
                        font[on], ZOOM_LEVELS[level])
    return on, boxes


def test_boxes_and_overlaps() -> None:
    boxes = np.array([[0, 0, 10, 10], [9.5, 0, 20, 10], [5, 5, 15, 15], [30, 30, 40, 40]], dtype=float)
    assert overlaps(boxes).tolist() == [[0, 2], [1, 2]]  # 0 and 1 touch by 0.5 px: within tolerance
    assert overlaps(boxes, tolerance_px=0.0).tolist() == [[0, 1], [0, 2], [1, 2]]
    b = label_boxes(np.array([[10.0, 20.0]]), np.array([5.0]), np.array([30.0]), np.array([10.0]), 2.0)
    assert b.tolist() == [[5.0, 52.0, 35.0, 64.0]]  # centred under the dot, GAP_PX below it
    assert text_widths(["abcd"], np.array([10.0])).tolist() == [24.0]


def test_greedy_keeps_the_most_important_of_two_colliding_labels() -> None:
    boxes = np.array([[0, 0, 10, 10], [2, 2, 12, 12], [50, 0, 60, 10]], dtype=float)
    assert greedy_fit(boxes, np.array([0.1, 0.9, 0.5])).tolist() == [False, True, True]
    assert greedy_fit(boxes, np.array([0.9, 0.1, 0.5])).tolist() == [True, False, True]


def test_placed_labels_do_not_overlap_at_any_level_and_more_fit_when_zoomed() -> None:
    xy, radius, labels, font, prio = crowd()
    mask = place_labels(xy, radius, labels, font, prio)
    counts = []
    for level in range(len(ZOOM_LEVELS)):
        on, boxes = visible_boxes(xy, radius, labels, font, mask, level)
        assert len(overlaps(boxes)) == 0, level
        counts.append(int(on.sum()))
    assert counts[0] < counts[len(counts) // 2] < counts[-1]
    # kept boxes at one level stay apart at every larger scale (the page draws between levels)
    for level in range(len(ZOOM_LEVELS) - 1):
        on = (mask >> level) & 1 == 1
        bigger = label_boxes(xy[on], radius[on], text_widths([labels[i] for i in np.flatnonzero(on)], font[on]),
                             font[on], ZOOM_LEVELS[level] * 1.18)
        assert len(overlaps(bigger)) == 0


def test_the_overlap_check_fails_without_placement() -> None:
    """The same check on unplaced labels finds overprinting: the test above can fail."""
    xy, radius, labels, font, prio = crowd()
    mask = place_labels(xy, radius, labels, font, prio, enabled=False)
    _, boxes = visible_boxes(xy, radius, labels, font, mask, len(ZOOM_LEVELS) // 2)
    assert len(overlaps(boxes)) > 50


def test_important_labels_win() -> None:
    xy, radius, labels, font, prio = crowd()
    mask = place_labels(xy, radius, labels, font, prio)
    shown_at_start = (mask & 1) == 1
    assert prio[shown_at_start].mean() > prio.mean()
    assert shown_at_start[int(np.argmax(prio))]  # the most important label is always drawn


def test_chart_labels_fit_inside_and_do_not_overlap() -> None:
    x = np.array([10.0, 100.0, 104.0, 300.0, 395.0])
    y = np.array([50.0, 50.0, 52.0, 50.0, 50.0])
    labels = ["edge label", "big", "small", "far", "right edge"]
    keep = place_chart_labels(x, y, labels, 11.0, np.array([5, 4, 1, 2, 3]), 400, 200)
    assert keep.tolist() == [False, True, False, True, False]  # clipped, kept, overlapped, kept, clipped
    keep = place_chart_labels(x, y, labels, 11.0, np.array([5, 4, 1, 2, 3]), 400, 200,
                              align=["left", "center", "center", "center", "right"])
    assert keep.tolist() == [True, True, False, True, True]

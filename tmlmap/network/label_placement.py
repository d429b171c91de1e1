"""Which labels of a drawn graph fit, at which zoom, without overprinting.

The graph page draws labels at a constant size on screen (``font_px`` pixels
whatever the zoom) below each node's dot, so zooming in spreads the labels
apart and more of them fit. :func:`place_labels` decides, for each of a fixed
ladder of zoom scales (:data:`ZOOM_LEVELS`, screen pixels per canvas unit),
which labels are drawn: a greedy pass in order of importance (most important
first) keeps a label when its box does not overlap a kept one by more than
``tolerance_px``. Box centres move apart with the scale, box sizes stay (see
:func:`label_boxes`), so the labels kept at a ladder scale do not overlap at
any larger scale either, and the page shows, at its current scale, the labels
kept at the largest ladder scale at or below it. The rest appear on hover (the node's
tooltip) and on zoom.

Text widths are estimated from the character count (:data:`CHAR_EM` of the
font size per character, an upper bound for lower-case Latin text in the
sans-serif fonts browsers use); the browser test measures the drawn labels
with the canvas's own ``measureText`` and checks them too.

Coordinates: positions in canvas units (y down, as vis.js), boxes in screen
pixels relative to the canvas origin: ``(n, 4)`` arrays of ``x0, y0, x1, y1``.
"""

from __future__ import annotations

import numpy as np

#: Screen pixels per canvas unit at which placement is computed (vis.js ``getScale()``).
ZOOM_LEVELS: tuple[float, ...] = tuple(round(0.25 * 2 ** (k / 4), 4) for k in range(21))
#: Estimated width of one character, in units of the font size.
CHAR_EM = 0.6
#: Line height of a label, in units of the font size.
LINE_EM = 1.2
#: Gap between a dot and its label, in screen pixels.
GAP_PX = 2.0


def text_widths(labels: list[str], font_px: np.ndarray) -> np.ndarray:
    """``(n,)`` estimated drawn widths in pixels of ``labels`` at ``font_px`` (``(n,)``)."""
    n_chars = np.fromiter((len(s) for s in labels), dtype=float, count=len(labels))
    return CHAR_EM * n_chars * np.asarray(font_px, dtype=float)


def label_boxes(xy: np.ndarray, radius: np.ndarray, width_px: np.ndarray, font_px: np.ndarray,
                scale: float, *, below: np.ndarray | None = None) -> np.ndarray:
    """``(n, 4)`` screen boxes of labels at ``scale`` (pixels per canvas unit).

    ``xy``: ``(n, 2)`` canvas positions; ``radius``: ``(n,)`` dot radii in canvas
    units (they scale with the zoom); ``width_px``/``font_px``: ``(n,)``. A label
    is centred horizontally on its node, its top ``GAP_PX`` below the dot; where
    ``below`` is False (e.g. a community name) it is centred on the point.
    """
    xy = np.asarray(xy, dtype=float)
    cx = xy[:, 0] * scale
    height = LINE_EM * np.asarray(font_px, dtype=float)
    top = (xy[:, 1] + np.asarray(radius, dtype=float)) * scale + GAP_PX
    if below is not None:
        centred = ~np.asarray(below, dtype=bool)
        top = np.where(centred, xy[:, 1] * scale - height / 2, top)
    half = np.asarray(width_px, dtype=float) / 2
    return np.column_stack([cx - half, top, cx + half, top + height])


def overlaps(boxes: np.ndarray, tolerance_px: float = 1.0) -> np.ndarray:
    """``(m, 2)`` index pairs ``i < j`` of boxes overlapping by more than
    ``tolerance_px`` in both directions (vectorized, ``O(n^2)`` memory: for the
    at most a few thousand labels of a drawing)."""
    b = np.asarray(boxes, dtype=float)
    if len(b) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    dx = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    dy = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    hit = np.triu((dx > tolerance_px) & (dy > tolerance_px), k=1)
    return np.argwhere(hit).astype(np.int64)


def greedy_fit(boxes: np.ndarray, priority: np.ndarray, tolerance_px: float = 1.0) -> np.ndarray:
    """``(n,)`` bool: labels kept by a greedy pass over ``priority`` (highest
    first, ties by index), each kept when it overlaps no kept box by more than
    ``tolerance_px``."""
    b = np.asarray(boxes, dtype=float)
    n = len(b)
    keep = np.zeros(n, dtype=bool)
    kept = np.empty((n, 4))
    n_kept = 0
    for i in np.lexsort((np.arange(n), -np.asarray(priority, dtype=float))).tolist():
        if n_kept:
            k = kept[:n_kept]
            dx = np.minimum(k[:, 2], b[i, 2]) - np.maximum(k[:, 0], b[i, 0])
            dy = np.minimum(k[:, 3], b[i, 3]) - np.maximum(k[:, 1], b[i, 1])
            if np.any((dx > tolerance_px) & (dy > tolerance_px)):
                continue
        keep[i] = True
        kept[n_kept] = b[i]
        n_kept += 1
    return keep


def place_labels(xy: np.ndarray, radius: np.ndarray, labels: list[str], font_px: np.ndarray,
                 priority: np.ndarray, *, below: np.ndarray | None = None,
                 levels: tuple[float, ...] = ZOOM_LEVELS, tolerance_px: float = 1.0,
                 enabled: bool = True) -> np.ndarray:
    """``(n,)`` int bit masks: bit ``k`` set when label ``i`` is drawn at ``levels[k]``.

    See the module docstring. ``enabled=False`` keeps every label at every
    level (no placement: the overprinting baseline the tests compare with).
    """
    n = len(labels)
    if not enabled:
        return np.full(n, (1 << len(levels)) - 1, dtype=np.int64)
    widths = text_widths(labels, font_px)
    mask = np.zeros(n, dtype=np.int64)
    for k, scale in enumerate(levels):
        keep = greedy_fit(label_boxes(xy, radius, widths, font_px, scale, below=below), priority,
                          tolerance_px)
        mask |= keep.astype(np.int64) << k
    return mask


def place_chart_labels(x_px: np.ndarray, y_px: np.ndarray, labels: list[str], font_px: float,
                       priority: np.ndarray, width_px: float, height_px: float, *,
                       dy_px: float = -12.0, align: list[str] | None = None,
                       tolerance_px: float = 1.0) -> np.ndarray:
    """``(n,)`` bool: labels of a chart that fit inside ``width_px`` x ``height_px``
    without overlapping each other (greedy by ``priority``, see :func:`greedy_fit`).

    ``x_px``/``y_px``: ``(n,)`` anchor points in chart pixels (y down); each label
    is drawn ``dy_px`` above its anchor, centred (or ``align[i]`` ``"left"``/``"right"``
    of it); labels crossing the chart's edge are not kept (they would be clipped).
    """
    x = np.asarray(x_px, dtype=float)
    y = np.asarray(y_px, dtype=float) + dy_px
    w = text_widths(labels, np.full(len(labels), font_px))
    h = LINE_EM * font_px
    sides = np.asarray(align if align is not None else ["center"] * len(labels))
    x0 = np.where(sides == "left", x, np.where(sides == "right", x - w, x - w / 2))
    boxes = np.column_stack([x0, y - h / 2, x0 + w, y + h / 2])
    inside = (boxes[:, 0] >= 0) & (boxes[:, 2] <= width_px) & (boxes[:, 1] >= 0) & (boxes[:, 3] <= height_px)
    pr = np.where(inside, np.asarray(priority, dtype=float), -np.inf)
    return greedy_fit(boxes, pr, tolerance_px) & inside

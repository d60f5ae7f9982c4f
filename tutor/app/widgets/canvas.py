"""Braille rasterizer for line plots: pure numpy, no Textual.

Why our own: a live trace at 30 fps needs one vectorised pass per frame and a
colour per *sample* (the phase), which general plotting widgets do not offer
(they colour per series). Each terminal cell holds a 2×4 braille dot matrix,
so a 100×30-cell plot has 200×120 dots of resolution.

Shapes: ``codes`` and ``styles`` are ``(rows, cols)`` integer arrays; ``codes``
holds the 8-bit braille pattern (0 = empty cell), ``styles`` the index of the
style that wins the cell (the last series/sample drawn into it), −1 if empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Series with more samples than this many per dot column are reduced to their envelope.
ENVELOPE_FACTOR = 8
#: Bit of each dot in a braille cell, indexed [dot row 0..3][dot column 0..1].
_DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int32)


@dataclass(frozen=True)
class Raster:
    """One rasterized plot: braille codes and winning style per cell."""

    codes: np.ndarray
    """Braille dot bits per cell [rows, cols] (0: empty)."""
    styles: np.ndarray
    """Index of the style that won each cell [rows, cols] (-1: none)."""


def empty_raster(rows: int, cols: int) -> Raster:
    """A blank raster, used before any data arrives."""
    return Raster(np.zeros((rows, cols), np.int32), np.full((rows, cols), -1, np.int32))


def rasterize(
    rows: int,
    cols: int,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    series: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray | int]],
    envelope: bool = False,
) -> Raster:
    """Draw time-ordered polylines into a braille raster.

    Args:
        rows, cols: size in terminal cells.
        x_range, y_range: data ranges mapped onto the full width / height.
        series: ``(x, y, style)`` triples; ``x`` ascending (ms), ``y`` same
            length, ``style`` one index or an array of one index per sample
            (e.g. the phase of every sample). Later series draw over earlier.

    ``envelope``: a series with more than `ENVELOPE_FACTOR` samples per dot column is
    first reduced to its extremes (`envelope_indices`) — for long stretches of history.

    Consecutive samples are joined: every dot column spans from the previous
    column's last value to this column's extremes, so a 1-sample-wide spike
    upstroke still shows as a continuous vertical line.
    """
    rows, cols = max(rows, 1), max(cols, 1)
    dot_h, dot_w = rows * 4, cols * 2
    dots = np.zeros((dot_h, dot_w), dtype=bool)
    dot_style = np.full((dot_h, dot_w), -1, dtype=np.int32)
    x0, x1 = x_range
    y0, y1 = y_range
    xspan = (x1 - x0) or 1.0
    yspan = (y1 - y0) or 1.0
    row_index = np.arange(dot_h)[:, None]
    for x, y, style in series:
        if len(x) == 0:
            continue
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        keep = (x >= x0) & (x <= x1) & np.isfinite(y)
        if not keep.any():
            continue
        # Include the sample just before the window so the line enters from the edge.
        first = int(np.argmax(keep))
        if first > 0:
            keep[first - 1] = True
        xs = x[keep]
        ys = y[keep]
        styles = (
            np.full(xs.shape, int(style), np.int32)
            if isinstance(style, int | np.integer)
            else np.asarray(style, np.int32)[keep]
        )
        if envelope and len(xs) > ENVELOPE_FACTOR * dot_w:  # e.g. seconds of history
            pick = envelope_indices(ys, 2 * dot_w)
            xs, ys, styles = xs[pick], ys[pick], styles[pick]
        px = np.clip(((xs - x0) / xspan * dot_w).astype(np.int64), 0, dot_w - 1)
        py = np.clip(np.rint((y1 - ys) / yspan * (dot_h - 1)).astype(np.int64), 0, dot_h - 1)
        step = np.diff(px)
        if (step >= 0).all():  # x ascending (a trace): a dot column starts where px changes
            start = np.r_[0, np.flatnonzero(step) + 1]
            cols_u = px[start]
        else:  # O(n log n) sort only for series drawn out of order
            cols_u, start = np.unique(px, return_index=True)
        lo = np.minimum.reduceat(py, start)
        hi = np.maximum.reduceat(py, start)
        # Join to the previous column's last sample.
        last_idx = np.r_[start[1:], len(py)] - 1
        prev_last = np.r_[py[0], py[last_idx[:-1]]]
        lo = np.minimum(lo, prev_last)
        hi = np.maximum(hi, prev_last)
        col_style = styles[last_idx]
        mask = (row_index >= lo[None, :]) & (row_index <= hi[None, :])
        dots[:, cols_u] |= mask
        sub = dot_style[:, cols_u]
        dot_style[:, cols_u] = np.where(mask, col_style[None, :], sub)
    blocks = dots.reshape(rows, 4, cols, 2)
    codes = (blocks * _DOT_BITS[None, :, None, :]).sum(axis=(1, 3)).astype(np.int32)
    st = dot_style.reshape(rows, 4, cols, 2)
    # Winning style: right dot column beats left, lower rows break ties (max is fine:
    # we only need a deterministic choice among the styles present in the cell).
    right = st[:, :, :, 1].max(axis=1)
    left = st[:, :, :, 0].max(axis=1)
    styles_out = np.where(right >= 0, right, left)
    return Raster(codes, styles_out)


def envelope_indices(y: np.ndarray, buckets: int) -> np.ndarray:
    """Sorted indices of the smallest and largest sample of each of ``buckets`` equal runs
    of ``y`` (plus the samples past the last whole run): a few points that keep every
    spike's extremes, so a plot of 10⁵ samples costs what one of 10³ does.

    With runs at most half a dot column wide, the dots drawn are those of the full series
    except where a run straddles two columns (then one column may show its neighbour's
    extreme a dot early); nothing is lost in between.
    """
    n = len(y)
    k = max(n // max(buckets, 1), 1)
    m = (n // k) * k
    runs = y[:m].reshape(-1, k)
    start = np.arange(0, m, k)
    ends = [start + runs.argmin(axis=1), start + runs.argmax(axis=1), np.arange(m, n), [0, n - 1]]
    return np.unique(np.concatenate(ends))


def nice_ticks(lo: float, hi: float, max_ticks: int) -> list[float]:
    """Round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]."""
    if hi <= lo or max_ticks < 1:
        return [lo]
    raw = (hi - lo) / max(max_ticks, 1)
    mag = 10 ** np.floor(np.log10(raw))
    step = mag
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            step = m * mag
            break
    first = np.ceil(lo / step) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return [float(round(t, 10)) + 0.0 for t in ticks]  # + 0.0: never a '-0' tick label

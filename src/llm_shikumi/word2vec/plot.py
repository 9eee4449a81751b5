"""A 2-D map of word vectors (PCA), with Japanese labels.

Kept here until the course's single plotting module takes it over (``llm_shikumi.plotting``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def pca_2d(vectors: torch.Tensor | np.ndarray) -> np.ndarray:
    """主成分分析 (PCA) to 2 dimensions: (N, D) -> (N, 2), via the SVD of the centred rows."""
    x = np.asarray(vectors, dtype=np.float64)  # (N, D)
    x = x - x.mean(axis=0, keepdims=True)  # (N, D), centred
    _, _, vt = np.linalg.svd(x, full_matrices=False)  # vt: (min(N, D), D)
    return x @ vt[:2].T  # (N, D) @ (D, 2) -> (N, 2)


def plot_word_map(wv, words: Sequence[str], pairs: Sequence[tuple[str, str]] = (),
                  title: str = "", ax=None, normalize: bool = True):
    """Scatter ``words`` on the first two principal components of their vectors, with
    Japanese labels, and an arrow for each (from, to) in ``pairs`` (e.g. 男 -> 女)."""
    import matplotlib.pyplot as plt

    from llm_shikumi.plotting import use_japanese_font

    family = use_japanese_font()  # also for an ``ax`` created before the font was set
    sub = wv.subset(words)
    missing = [w for w in words if w not in sub]
    if missing:
        raise KeyError(f"not in the vocabulary: {missing}")
    xy = pca_2d(sub.unit if normalize else sub.vectors)  # (N, 2)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(xy[:, 0], xy[:, 1], color="#4C72B0")
    for (x, y), w, offset in zip(xy, sub.words, _label_offsets(ax, xy, sub.words)):
        ax.annotate(w, (x, y), xytext=offset, textcoords="offset points", fontsize=12, fontfamily=family)
    for a, b in pairs:
        (x0, y0), (x1, y1) = xy[sub.index[a]], xy[sub.index[b]]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="->", color="#C44E52", alpha=0.7))
    ax.set_title(title, fontfamily=family)
    ax.set_xlabel("第1主成分", fontfamily=family)
    ax.set_ylabel("第2主成分", fontfamily=family)
    ax.figure.tight_layout()
    return ax


_CANDIDATE_OFFSETS = [(4, 4), (4, -14), (-8, 8), (-8, -16), (10, -4), (-20, -4), (4, 16), (4, -26)]


def _label_offsets(ax, xy: np.ndarray, labels: Sequence[str], fontsize: float = 12) -> list[tuple[int, int]]:
    """Offsets (in points) for the labels of the points ``xy`` so that labels of nearby
    points do not overlap: greedy, trying a few positions around each point in turn."""
    ax.figure.canvas.draw_idle()
    width_pt = ax.bbox.width * 72 / ax.figure.dpi  # the axes' size in points
    height_pt = ax.bbox.height * 72 / ax.figure.dpi
    span = np.ptp(xy, axis=0) * 1.1 + 1e-12  # data range, with matplotlib's margins
    to_pt = np.array([width_pt, height_pt]) / span  # points per data unit
    pts = (xy - xy.min(axis=0)) * to_pt  # (N, 2) point positions in points
    # boxes to keep clear (x0, y0, x1, y1 in points): the markers, then each label placed
    placed: list[tuple[float, float, float, float]] = [(px - 3, py - 3, px + 3, py + 3) for px, py in pts]
    offsets = []
    for (px, py), label in zip(pts, labels):
        w, h = fontsize * max(len(label), 1), fontsize  # Japanese glyphs are about 1 em wide
        best, best_overlap = _CANDIDATE_OFFSETS[0], None
        for dx, dy in _CANDIDATE_OFFSETS:
            box = (px + dx, py + dy, px + dx + w, py + dy + h)
            overlap = sum(max(0.0, min(box[2], b[2]) - max(box[0], b[0])) *
                          max(0.0, min(box[3], b[3]) - max(box[1], b[1])) for b in placed)
            if best_overlap is None or overlap < best_overlap:
                best, best_overlap = (dx, dy), overlap
            if overlap == 0:
                break
        dx, dy = best
        placed.append((px + dx, py + dy, px + dx + w, py + dy + h))
        offsets.append(best)
    return offsets

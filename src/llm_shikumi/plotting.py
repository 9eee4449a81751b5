"""Every figure of the course, with Japanese labels that render (no tofu boxes).

matplotlib's default font (DejaVu Sans) has no Japanese glyphs; matplotlib-fontja ships
IPAexGothic and registers it. Every helper here calls :func:`use_japanese_font` first.

- :func:`use_japanese_font` -- make IPAexGothic the default font (call it before any own figure)
- :func:`bar_chart` -- counts as bars, in the given order (chapter 01, 02)
- :func:`heatmap` -- a labelled matrix: one-hot matrices, similarity matrices (chapter 03, 04)
- :func:`loglog_plot` -- points on log–log axes with an optional fitted power law (Zipf, Heaps)
- :func:`plot_word_map` -- word vectors on their first two principal components, with arrows (chapter 04)
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def use_japanese_font() -> str:
    """Make IPAexGothic matplotlib's default font; returns the font family in use."""
    import matplotlib_fontja  # noqa: F401  (importing it registers the font)

    matplotlib_fontja.japanize()
    plt.rcParams["axes.unicode_minus"] = False  # the font lacks U+2212; use ASCII '-'
    return plt.rcParams["font.family"][0]


def bar_chart(counts: Mapping[str, int] | Sequence[tuple[str, int]], title: str = "",
              xlabel: str = "", ylabel: str = "出現回数", ax=None):
    """A bar chart of (label, count) pairs, in the given order, with Japanese labels."""
    use_japanese_font()
    items = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 0.6 * len(items) + 2), 3.5))
    labels = [label for label, _ in items]
    ax.bar(range(len(items)), [count for _, count in items], color="#4C72B0")
    ax.set_xticks(range(len(items)), labels, rotation=45 if len(items) > 8 else 0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.figure.tight_layout()
    return ax


def heatmap(matrix, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
            *, title: str = "", xlabel: str = "", ylabel: str = "", annotate: bool | None = None,
            fmt: str = "{:.2g}", cmap: str = "Blues", vmin: float | None = None,
            vmax: float | None = None, colorbar: bool = True, ax=None):
    """Draw ``matrix`` (shape ``(R, C)``) as a grid of coloured cells with row/column labels.

    - ``annotate``: write each value in its cell (default: when the matrix has at most 400 cells).
    - ``fmt``: how a value is written, e.g. ``"{:.0f}"`` for 0/1 matrices.
    Returns the matplotlib ``Axes``.
    """
    use_japanese_font()
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix, got shape {m.shape}")
    rows, cols = m.shape
    for name, labels, n in (("row_labels", row_labels, rows), ("col_labels", col_labels, cols)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} has {len(labels)} labels for {n} {name.split('_')[0]}s")
    if ax is None:
        _, ax = plt.subplots(figsize=(min(12, 1.0 + 0.6 * cols), min(10, 0.8 + 0.5 * rows)))
    image = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(cols), col_labels if col_labels is not None else range(cols),
                  rotation=90 if cols > 12 else 0)
    ax.set_yticks(range(rows), row_labels if row_labels is not None else range(rows))
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.xaxis.set_label_position("top")
    if annotate is None:
        annotate = rows * cols <= 400
    if annotate:
        lo, hi = image.get_clim()
        middle = (lo + hi) / 2
        for i in range(rows):
            for j in range(cols):
                colour = "white" if m[i, j] > middle else "black"
                ax.text(j, i, fmt.format(m[i, j]), ha="center", va="center", color=colour, fontsize=9)
    ax.set_title(title, pad=12)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.figure.tight_layout()
    return ax


def loglog_plot(x, y, *, label: str | None = None, fit: tuple[float, float] | None = None,
                fit_label: str | None = None, fit_range: tuple[float, float] | None = None,
                title: str = "", xlabel: str = "", ylabel: str = "", marker: str = ".",
                linestyle: str = "none", ax=None, **kwargs):
    """Points ``(x, y)`` on log–log axes, optionally with a fitted power law ``y = C * x**a``.

    - ``fit``: ``(a, C)``, drawn as a dashed line over ``fit_range`` (default: the range of ``x``);
      a power law is a straight line of slope ``a`` on these axes (Zipf's and Heaps' laws).
    - ``label`` / ``fit_label``: legend entries (a legend is drawn when either is given).
    - call again with the returned ``ax`` to add more series to the same figure.
    Non-positive values cannot be drawn on a log scale and raise ``ValueError``.
    Returns the matplotlib ``Axes``.
    """
    use_japanese_font()
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"loglog_plot needs two 1-D arrays of equal length, got {xs.shape} and {ys.shape}")
    if xs.size and (xs.min() <= 0 or ys.min() <= 0):
        raise ValueError("loglog_plot needs positive x and y (log 0 is undefined)")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(xs, ys, marker=marker, linestyle=linestyle, markersize=3, label=label, **kwargs)
    if fit is not None:
        a, c = fit
        lo, hi = fit_range if fit_range is not None else (xs.min(), xs.max())
        grid = np.geomspace(lo, hi, 50)
        ax.plot(grid, c * grid ** a, linestyle="--", color="black", linewidth=1, label=fit_label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if label is not None or fit_label is not None:
        ax.legend()
    ax.figure.tight_layout()
    return ax


def pca_2d(vectors) -> np.ndarray:
    """主成分分析 (PCA) to 2 dimensions: (N, D) -> (N, 2), via the SVD of the centred rows."""
    x = np.asarray(vectors, dtype=np.float64)  # (N, D)
    x = x - x.mean(axis=0, keepdims=True)  # (N, D), centred
    _, _, vt = np.linalg.svd(x, full_matrices=False)  # vt: (min(N, D), D)
    return x @ vt[:2].T  # (N, D) @ (D, 2) -> (N, 2)


def plot_word_map(wv, words: Sequence[str], pairs: Sequence[tuple[str, str]] = (),
                  title: str = "", ax=None, normalize: bool = True):
    """Scatter ``words`` on the first two principal components of their vectors, with
    Japanese labels, and an arrow for each (from, to) in ``pairs`` (e.g. 男 -> 女).

    ``wv``: word vectors with ``subset(words)``, ``unit``, ``vectors``, ``index`` and ``words``
    (:class:`llm_shikumi.word2vec.WordVectors`)."""
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

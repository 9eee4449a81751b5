"""Matrices as pictures: a labelled heatmap (one-hot matrices, similarity matrices, ...).

Labels are usually Japanese tokens, so the figure goes through
:func:`llm_shikumi.plotting.use_japanese_font` first.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from llm_shikumi.plotting import use_japanese_font


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

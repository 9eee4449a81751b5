"""Tests of llm_shikumi.plot_matrix.heatmap: labels, values, and Japanese glyphs that render."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from llm_shikumi.plot_matrix import heatmap  # noqa: E402


def test_heatmap_japanese_labels_render_without_missing_glyphs():
    labels = ["すもも", "も", "もも", "の", "うち"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = heatmap(np.eye(5), labels, labels, title="コサイン類似度", fmt="{:.0f}")
        ax.figure.canvas.draw()
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    assert len(ax.texts) == 25 and ax.texts[0].get_text() == "1"
    plt.close(ax.figure)


def test_heatmap_rejects_wrong_label_count_and_shape():
    with pytest.raises(ValueError, match="row_labels"):
        heatmap(np.zeros((2, 3)), ["a"], ["x", "y", "z"])
    with pytest.raises(ValueError, match="2-D"):
        heatmap(np.zeros(3))
    plt.close("all")

"""Tests of llm_shikumi.plotting: labels, values, log–log fits, and Japanese glyphs that render."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from llm_shikumi.plotting import bar_chart, heatmap, loglog_plot  # noqa: E402


def _no_missing_glyphs(draw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = draw()
        ax.figure.canvas.draw()
    assert not [w for w in caught if "Glyph" in str(w.message)], [str(w.message) for w in caught]
    return ax


def test_heatmap_japanese_labels_render_without_missing_glyphs():
    labels = ["すもも", "も", "もも", "の", "うち"]
    ax = _no_missing_glyphs(lambda: heatmap(np.eye(5), labels, labels, title="コサイン類似度", fmt="{:.0f}"))
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


def test_bar_chart_keeps_order_and_labels():
    ax = _no_missing_glyphs(lambda: bar_chart([("猫", 3), ("主人", 2)], title="頻度"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["猫", "主人"]
    assert [p.get_height() for p in ax.patches] == [3, 2]
    plt.close(ax.figure)


def test_loglog_plot_draws_points_and_the_fitted_power_law():
    x = np.arange(1, 101)
    y = 1000.0 * x ** -1.0
    ax = _no_missing_glyphs(lambda: loglog_plot(x, y, label="観測", fit=(-1.0, 1000.0), fit_label="傾き -1",
                                                xlabel="順位", ylabel="頻度", title="Zipf の法則"))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    points, line = ax.get_lines()
    np.testing.assert_allclose(points.get_ydata(), y)
    fx, fy = line.get_xdata(), line.get_ydata()
    assert fx[0] == pytest.approx(1) and fx[-1] == pytest.approx(100)
    np.testing.assert_allclose(fy, 1000.0 / fx)  # y = C x^a with a = -1, C = 1000
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["観測", "傾き -1"]
    assert ax.get_xlabel() == "順位"
    # a second series on the same axes
    loglog_plot(x, 2 * y, label="2倍", ax=ax)
    assert len(ax.get_lines()) == 3
    plt.close(ax.figure)


def test_loglog_plot_rejects_zero_and_mismatched_lengths():
    with pytest.raises(ValueError, match="positive"):
        loglog_plot([1, 2], [0, 1])
    with pytest.raises(ValueError, match="equal length"):
        loglog_plot([1, 2, 3], [1, 2])
    plt.close("all")

"""matplotlib with Japanese labels that render (no tofu boxes).

matplotlib's default font (DejaVu Sans) has no Japanese glyphs; matplotlib-fontja ships
IPAexGothic and registers it. Every figure in the course goes through this module.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt


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

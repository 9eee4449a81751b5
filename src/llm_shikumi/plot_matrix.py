"""Kept for one session only: :func:`heatmap` now lives in :mod:`llm_shikumi.plotting`.

Import it from there: ``from llm_shikumi.plotting import heatmap``.
"""
from llm_shikumi.plotting import heatmap, use_japanese_font  # noqa: F401

__all__ = ["heatmap", "use_japanese_font"]

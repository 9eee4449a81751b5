"""A 2-D map of word vectors: lives in the course's plotting module, re-exported here."""
from llm_shikumi.plotting import pca_2d, plot_word_map

__all__ = ["pca_2d", "plot_word_map"]

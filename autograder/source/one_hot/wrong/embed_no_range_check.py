"""embed indexes W directly without checking the IDs: -1 silently returns the last word's vector (and [] gives a float index)."""
# %% embed_answer
def embed(ids: list[int], W: np.ndarray) -> np.ndarray:
    """W の ids 行を取り出した形 (len(ids), d) の配列を返します (one-hot 行列 @ W と同じ値)。範囲外の ID には ValueError。"""
    return W[np.asarray(ids)]

"""embed stacks the rows one by one: np.stack of an empty list raises instead of returning shape (0, d)."""
# %% embed_answer
def embed(ids: list[int], W: np.ndarray) -> np.ndarray:
    """W の ids 行を取り出した形 (len(ids), d) の配列を返します (one-hot 行列 @ W と同じ値)。範囲外の ID には ValueError。"""
    for i in ids:
        if not 0 <= i < W.shape[0]:
            raise ValueError(f"ID {i} は範囲外です")
    return np.stack([W[i] for i in ids])

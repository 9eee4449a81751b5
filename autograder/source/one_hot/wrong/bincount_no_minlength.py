"""np.bincount without minlength: the vector is only as long as the largest ID + 1, and int64."""
# %% bow_answer
def bag_of_words(ids: list[int], size: int) -> np.ndarray:
    """形 (size,)、dtype float32 の bag-of-words ベクトル (各 ID の出現回数) を返します。"""
    return np.bincount(np.array(ids, dtype=np.int64))

"""Bag-of-words with 0/1 (does the word occur?) instead of counts."""
# %% bow_answer
def bag_of_words(ids: list[int], size: int) -> np.ndarray:
    """形 (size,)、dtype float32 の bag-of-words ベクトル (各 ID の出現回数) を返します。"""
    vector = np.zeros(size, dtype=np.float32)
    vector[list(ids)] = 1
    return vector

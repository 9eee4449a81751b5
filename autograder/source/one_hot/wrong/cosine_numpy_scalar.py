"""Returns a NumPy scalar (np.float32 for float32 vectors) instead of a Python float."""
# %% cosine_answer
def cosine_similarity(a, b) -> float:
    """a と b のコサイン類似度を float で返します。どちらかが 0 ベクトルなら 0.0。"""
    a = np.asarray(a)
    b = np.asarray(b)
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    if norm == 0:
        return 0.0
    return np.dot(a, b) / norm

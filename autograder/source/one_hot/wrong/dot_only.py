"""Forgets to divide by the norms: returns the dot product, not the cosine."""
# %% cosine_answer
def cosine_similarity(a, b) -> float:
    """a と b のコサイン類似度を float で返します。どちらかが 0 ベクトルなら 0.0。"""
    return float(np.dot(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))

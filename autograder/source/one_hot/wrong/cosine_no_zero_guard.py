"""Divides by the product of the norms without checking for a zero vector: nan (and a RuntimeWarning)."""
# %% cosine_answer
def cosine_similarity(a, b) -> float:
    """a と b のコサイン類似度を float で返します。どちらかが 0 ベクトルなら 0.0。"""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

"""Slices order[:k] without checking k: a negative k returns all but the last |k| indices."""
# %% top_k_answer
def top_k(scores: list[float], k: int) -> list[int]:
    """点数の高い順 (同点は添字の小さい順) に、添字を k 個並べた list を返します。"""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return order[:k]

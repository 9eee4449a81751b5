"""Sorts by score ascending and reverses: among equal scores the larger index comes first."""
# %% top_k_answer
def top_k(scores: list[float], k: int) -> list[int]:
    """点数の高い順 (同点は添字の小さい順) に、添字を k 個並べた list を返します。"""
    if k <= 0:
        return []
    order = sorted(range(len(scores)), key=lambda i: scores[i])[::-1]
    return order[:k]

"""Analogy ranked by the dot product of the unnormalised vectors instead of the cosine similarity: long vectors (りんご) win."""
# %% analogy_answer
def analogy(a: str, b: str, c: str, words: list[str], vectors: torch.Tensor, topn: int = 3) -> list[tuple[str, float]]:
    """正規化した a - b + c とのコサイン類似度が大きい順に (単語, 類似度) を返します (a, b, c は除く)。"""
    x = vectors[words.index(a)] - vectors[words.index(b)] + vectors[words.index(c)]
    scores = vectors @ x
    ranked = sorted(((w, float(s)) for w, s in zip(words, scores) if w not in (a, b, c)), key=lambda p: -p[1])
    return ranked[:topn]

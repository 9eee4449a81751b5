"""Divides by the product of the norms without guarding against a zero vector: 0/0 gives nan scores."""
# %% similar_answer
def most_similar(word: str, words: list[str], vectors: torch.Tensor, topn: int = 3) -> list[tuple[str, float]]:
    """word とのコサイン類似度が大きい順に (単語, 類似度) を topn 個まで返します (word 自身は除く)。"""
    query = vectors[words.index(word)]
    scores = (vectors @ query) / (vectors.norm(dim=1) * query.norm())
    ranked = sorted(((w, float(s)) for w, s in zip(words, scores) if w != word), key=lambda p: -p[1])
    return ranked[:topn]

"""Does not leave the query words a, b, c out of the answer, so 女 (or 王 itself) shows up among the top words."""
# %% analogy_answer
def analogy(a: str, b: str, c: str, words: list[str], vectors: torch.Tensor, topn: int = 3) -> list[tuple[str, float]]:
    """正規化した a - b + c とのコサイン類似度が大きい順に (単語, 類似度) を返します (a, b, c は除く)。"""
    unit = F.normalize(vectors, dim=1)
    x = unit[words.index(a)] - unit[words.index(b)] + unit[words.index(c)]
    scores = F.cosine_similarity(vectors, x.unsqueeze(0), dim=1)
    ranked = sorted(((w, float(s)) for w, s in zip(words, scores)), key=lambda p: -p[1])
    return ranked[:topn]

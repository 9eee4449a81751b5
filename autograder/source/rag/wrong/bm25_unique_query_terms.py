"""Scores each distinct query term once (set(query)): a term asked twice counts once; set order also makes the sum's order arbitrary."""
# %% bm25_answer
def bm25_scores(query: list[str], documents: list[list[str]], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """query に対する各文書の BM25 の点数を、文書の順に float の list で返します。"""
    n = len(documents)
    if n == 0:
        return []
    counts = [Counter(d) for d in documents]
    avgdl = sum(len(d) for d in documents) / n
    df = Counter(t for c in counts for t in c)
    scores = []
    for d, c in zip(documents, counts):
        score = 0.0
        for t in sorted(set(query)):
            tf = c.get(t, 0)
            if tf == 0:
                continue
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(score)
    return scores

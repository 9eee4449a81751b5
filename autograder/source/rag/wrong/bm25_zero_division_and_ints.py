"""Divides tf (k1 + 1) by tf + k1 (...) for every query term, even absent ones: 0/0 when k1 = 0; and crashes on an empty collection (avgdl divides by N = 0)."""
# %% bm25_answer
def bm25_scores(query: list[str], documents: list[list[str]], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """query に対する各文書の BM25 の点数を、文書の順に float の list で返します。"""
    n = len(documents)
    avgdl = sum(len(d) for d in documents) / n
    df = Counter(t for d in documents for t in set(d))
    scores = []
    for d in documents:
        c = Counter(d)
        score = 0
        for t in query:
            if t not in df:
                continue
            tf = c.get(t, 0)
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(score)
    return scores

"""Off by one at the cut (a relevant document at position k + 1 still counts) and returns the int 1 instead of 1.0 when every question is a hit."""
# %% recall_answer
def recall_at_k(rankings: list[list[str]], relevant: list[set[str]], k: int) -> float:
    """上位 k 個に正解が 1 つでも入っていた質問の割合を返します。"""
    if not rankings:
        return 0.0
    hits = 0
    for ranking, gold in zip(rankings, relevant):
        positions = [i for i, doc in enumerate(ranking) if doc in gold]
        if positions and positions[0] <= k:
            hits += 1
    return hits // len(rankings) if hits == len(rankings) else hits / len(rankings)

"""Counts every relevant document found in the top k (not one per question), and divides by zero when there are no questions."""
# %% recall_answer
def recall_at_k(rankings: list[list[str]], relevant: list[set[str]], k: int) -> float:
    """上位 k 個に正解が 1 つでも入っていた質問の割合を返します。"""
    hits = sum(sum(1 for doc in ranking[:k] if doc in gold) for ranking, gold in zip(rankings, relevant))
    return hits / len(rankings)

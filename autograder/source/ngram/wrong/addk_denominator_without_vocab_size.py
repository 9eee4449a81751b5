"""add-k の分母に k|V| ではなく k だけを足す: (C(v, w) + k) / (C(v) + k)。確率の合計が 1 にならない。"""
# %% addk_prob_answer
def addk_prob(counts: Counter, prev: str, word: str, k: float, vocab_size: int) -> float:
    context_count = sum(c for (v, _), c in counts.items() if v == prev)
    denominator = context_count + k
    if denominator == 0:
        return 0.0
    return (counts[(prev, word)] + k) / denominator

"""未出現の文脈を考えない: C(v) = 0 (k = 0 なら分母も 0) のとき ZeroDivisionError になる。"""
# %% mle_prob_answer
def mle_prob(counts: Counter, prev: str, word: str) -> float:
    context_count = sum(c for (v, _), c in counts.items() if v == prev)
    return counts[(prev, word)] / context_count

# %% addk_prob_answer
def addk_prob(counts: Counter, prev: str, word: str, k: float, vocab_size: int) -> float:
    context_count = sum(c for (v, _), c in counts.items() if v == prev)
    return (counts[(prev, word)] + k) / (context_count + k * vocab_size)

"""Averages only over the n for which the hypothesis has n-grams: a 3-word hypothesis gets a score from p1..p3."""
# %% bleu_answer
def sentence_bleu(hyp, ref, max_n=4):
    """1 文の BLEU (clipping つきの n-gram 適合率の幾何平均 × 短さの罰則) を float で返します。"""
    from collections import Counter

    if len(hyp) == 0:
        return 0.0
    logs = []
    for n in range(1, max_n + 1):
        h = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
        r = Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
        total = sum(h.values())
        if total == 0:
            continue
        matches = sum(min(c, r[g]) for g, c in h.items())
        if matches == 0:
            return 0.0
        logs.append(math.log(matches / total))
    bp = 1.0 if len(hyp) > len(ref) else math.exp(1 - len(ref) / len(hyp))
    return float(bp * math.exp(sum(logs) / len(logs)))

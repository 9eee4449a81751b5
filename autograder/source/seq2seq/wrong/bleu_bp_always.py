"""Applies the brevity penalty exp(1 - r/c) also when the hypothesis is longer than the reference."""
# %% bleu_answer
def sentence_bleu(hyp, ref, max_n=4):
    """1 文の BLEU (clipping つきの n-gram 適合率の幾何平均 × 短さの罰則) を float で返します。"""
    from collections import Counter

    if len(hyp) == 0:
        return 0.0
    log_sum = 0.0
    for n in range(1, max_n + 1):
        h = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
        r = Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
        total = sum(h.values())
        matches = sum(min(c, r[g]) for g, c in h.items())
        if total == 0 or matches == 0:
            return 0.0
        log_sum += math.log(matches / total)
    bp = math.exp(1 - len(ref) / len(hyp))
    return float(min(1.0, bp * math.exp(log_sum / max_n)))

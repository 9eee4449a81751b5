"""Counts every hypothesis n-gram that occurs in the reference, without clipping by the reference count."""
# %% bleu_answer
def sentence_bleu(hyp, ref, max_n=4):
    """1 文の BLEU (clipping つきの n-gram 適合率の幾何平均 × 短さの罰則) を float で返します。"""
    if len(hyp) == 0:
        return 0.0
    log_sum = 0.0
    for n in range(1, max_n + 1):
        h = [tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1)]
        r = {tuple(ref[i:i + n]) for i in range(len(ref) - n + 1)}
        matches = sum(g in r for g in h)
        if len(h) == 0 or matches == 0:
            return 0.0
        log_sum += math.log(matches / len(h))
    bp = 1.0 if len(hyp) > len(ref) else math.exp(1 - len(ref) / len(hyp))
    return float(bp * math.exp(log_sum / max_n))

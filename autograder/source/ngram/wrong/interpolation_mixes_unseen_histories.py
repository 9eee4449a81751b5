"""文脈が学習データにない次数も飛ばさずに混ぜる (最尤推定を 0 として λ を掛ける): 確率の合計が 1 にならない。"""
# %% interpolated_prob_answer
def interpolated_prob(counts_by_order, totals_by_order, history, word, lambdas, vocab_size):
    p = 1.0 / vocab_size
    history = tuple(history)
    for m in (1, 2, 3):
        h = history[len(history) - (m - 1):] if m > 1 else ()
        total = totals_by_order[m - 1][h]
        mle = counts_by_order[m - 1][h + (word,)] / total if total else 0.0
        p = lambdas[m - 1] * mle + (1 - lambdas[m - 1]) * p
    return float(p)

"""一様分布 1/|V| から始めずに 0 から混ぜ始める: 学習データにない単語の確率が 0 のまま残る。"""
# %% interpolated_prob_answer
def interpolated_prob(counts_by_order, totals_by_order, history, word, lambdas, vocab_size):
    p = 0.0
    history = tuple(history)
    for m in (1, 2, 3):
        h = history[len(history) - (m - 1):] if m > 1 else ()
        total = totals_by_order[m - 1][h]
        if total == 0:
            continue
        p = lambdas[m - 1] * counts_by_order[m - 1][h + (word,)] / total + (1 - lambdas[m - 1]) * p
    return float(p)

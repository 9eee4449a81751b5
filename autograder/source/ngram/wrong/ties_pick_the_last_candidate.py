"""同点の候補では最後のものを選んでしまう (< ではなく <= で比べる)。候補をそのまま返すので、リストならリストが返る。"""
# %% tune_lambdas_answer
def tune_lambdas(counts_by_order, totals_by_order, dev_sentences, candidates, vocab_size):
    best, best_pp = None, math.inf
    for lambdas in candidates:
        pp = perplexity(dev_sentences, lambda h, w: interpolated_prob(counts_by_order, totals_by_order, h, w, lambdas, vocab_size))
        if pp <= best_pp:
            best, best_pp = lambdas, pp
    return best

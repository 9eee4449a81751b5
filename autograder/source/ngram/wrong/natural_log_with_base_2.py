"""対数の底を取り違える: 文の対数確率に自然対数 math.log を使い、パープレキシティは 2 ** (...) で戻す。"""
# %% sentence_logprob_answer
def sentence_logprob(sentence: list[str], prob) -> float:
    padded = [BOS] + list(sentence) + [EOS]
    total = 0.0
    for prev, word in zip(padded, padded[1:]):
        p = prob(prev, word)
        if p <= 0:
            return -math.inf
        total += math.log(p)
    return total

"""確率 0 の bigram を考えない: math.log2(0) で ValueError (math domain error) になる。"""
# %% sentence_logprob_answer
def sentence_logprob(sentence: list[str], prob) -> float:
    padded = [BOS] + list(sentence) + [EOS]
    return sum(math.log2(prob(prev, word)) for prev, word in zip(padded, padded[1:]))

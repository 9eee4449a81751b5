"""文末記号 </s> を忘れる: bigram を数えるときも、文の確率でも、トークン数 N でも </s> を扱わない。"""
# %% count_bigrams_answer
def count_bigrams(sentences: list[list[str]]) -> Counter:
    counts = Counter()
    for sentence in sentences:
        padded = [BOS] + list(sentence)
        for i in range(len(padded) - 1):
            counts[(padded[i], padded[i + 1])] += 1
    return counts

# %% sentence_logprob_answer
def sentence_logprob(sentence: list[str], prob) -> float:
    padded = [BOS] + list(sentence)
    total = 0.0
    for prev, word in zip(padded, padded[1:]):
        p = prob(prev, word)
        if p <= 0:
            return -math.inf
        total += math.log2(p)
    return total

# %% perplexity_answer
def perplexity(sentences: list[list[str]], prob) -> float:
    total_logprob = sum(sentence_logprob(s, prob) for s in sentences)
    n_tokens = sum(len(s) for s in sentences)
    return 2.0 ** (-total_logprob / n_tokens)

"""文頭に <s> を 1 個しか付けず、文脈として直前の 1 トークンしか渡さない (trigram なのに bigram の文脈)。"""
# %% perplexity_answer
def perplexity(sentences, prob):
    total, n_tokens = 0.0, 0
    for sentence in sentences:
        padded = [BOS] + list(sentence) + [EOS]
        for i in range(1, len(padded)):
            p = prob(tuple(padded[i - 1 : i]), padded[i])
            if p <= 0:
                return math.inf
            total += math.log(p)
            n_tokens += 1
    return math.exp(-total / n_tokens)

"""文ごとのパープレキシティを平均してしまう (全トークンの対数確率を合計してから T で割っていない)。"""
# %% perplexity_answer
def perplexity(sentences, prob):
    values = []
    for sentence in sentences:
        padded = [BOS, BOS] + list(sentence) + [EOS]
        total = sum(math.log(prob(tuple(padded[i - 2 : i]), padded[i])) for i in range(2, len(padded)))
        values.append(math.exp(-total / (len(padded) - 2)))
    return sum(values) / len(values)

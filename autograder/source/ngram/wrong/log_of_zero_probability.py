"""確率 0 のトークンを特別扱いせずに math.log(0) を呼んでしまう (ValueError になる)。"""
# %% perplexity_answer
def perplexity(sentences, prob):
    total, n_tokens = 0.0, 0
    for sentence in sentences:
        padded = [BOS, BOS] + list(sentence) + [EOS]
        for i in range(2, len(padded)):
            total += math.log(prob(tuple(padded[i - 2 : i]), padded[i]))
            n_tokens += 1
    return math.exp(-total / n_tokens)

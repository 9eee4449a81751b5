"""n-gram を数えるループの off-by-one: range(1, len(padded) - 1) で始めてしまい、最初の bigram (<s>, w1) を数えない。"""
# %% count_bigrams_answer
def count_bigrams(sentences: list[list[str]]) -> Counter:
    counts = Counter()
    for sentence in sentences:
        padded = [BOS] + list(sentence) + [EOS]
        for i in range(1, len(padded) - 1):
            counts[(padded[i], padded[i + 1])] += 1
    return counts

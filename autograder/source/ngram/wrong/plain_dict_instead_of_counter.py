"""Counter ではなく普通の dict で数える: 数えていない n-gram を引くと 0 ではなく KeyError になる。"""
# %% count_ngrams_answer
def count_ngrams(sentences, n):
    counts = {}
    for sentence in sentences:
        padded = [BOS] * (n - 1) + list(sentence) + [EOS]
        for i in range(len(padded) - n + 1):
            gram = tuple(padded[i : i + n])
            counts[gram] = counts.get(gram, 0) + 1
    return counts

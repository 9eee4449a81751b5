"""C(h) として、h の後に来た単語の回数の合計ではなく、異なる単語の数 (種類) を数えてしまう。"""
# %% history_counts_answer
def history_counts(counts):
    totals = Counter()
    for gram in counts:
        totals[gram[:-1]] += 1
    return totals

"""C(h) を普通の dict で返す: 一度も現れていない文脈を引くと 0 ではなく KeyError になる。"""
# %% history_counts_answer
def history_counts(counts):
    totals = {}
    for gram, c in counts.items():
        totals[gram[:-1]] = totals.get(gram[:-1], 0) + c
    return totals

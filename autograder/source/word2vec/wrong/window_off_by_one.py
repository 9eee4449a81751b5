"""Off-by-one window: range(i - window, i + window) stops one short, so the right-most context word is never paired."""
# %% pairs_answer
def skipgram_pairs(ids: list[int], window: int) -> list[tuple[int, int]]:
    """1 文の ID 列から、skip-gram の (真ん中の ID, 周りの ID) の組を左から順に返します。"""
    pairs = []
    for i, center in enumerate(ids):
        for j in range(max(0, i - window), min(len(ids), i + window)):
            if j != i:
                pairs.append((center, ids[j]))
    return pairs

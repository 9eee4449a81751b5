"""Removes repeated (center, context) pairs with a set and sorts them: repeated words lose pairs and the order is no longer the sentence's."""
# %% pairs_answer
def skipgram_pairs(ids: list[int], window: int) -> list[tuple[int, int]]:
    """1 文の ID 列から、skip-gram の (真ん中の ID, 周りの ID) の組を左から順に返します。"""
    pairs = set()
    for i, center in enumerate(ids):
        for j in range(max(0, i - window), min(len(ids), i + window + 1)):
            if j != i:
                pairs.add((center, ids[j]))
    return sorted(pairs)

"""Keeps a token when rand <= keep instead of rand < keep (a word with keep probability p is kept a little more often than p; with p = 0 it can still be kept)."""
# %% cbow_answer
def subsample_cbow_examples(ids: list[int], keep: list[float], rand: list[float], window: int) -> list[tuple[list[int], int]]:
    """rand[k] < keep[ids[k]] のトークンだけを残した文から、CBOW の (周りの ID の list, 真ん中の ID) を左から順に返します。"""
    kept = [i for i, r in zip(ids, rand) if r <= keep[i]]
    examples = []
    for i, center in enumerate(kept):
        context = [kept[j] for j in range(max(0, i - window), min(len(kept), i + window + 1)) if j != i]
        if context:
            examples.append((context, center))
    return examples

"""Takes the windows in the original sentence and only then removes the dropped words: a dropped word's place stays empty instead of bringing farther words into the window."""
# %% cbow_answer
def subsample_cbow_examples(ids: list[int], keep: list[float], rand: list[float], window: int) -> list[tuple[list[int], int]]:
    """rand[k] < keep[ids[k]] のトークンだけを残した文から、CBOW の (周りの ID の list, 真ん中の ID) を左から順に返します。"""
    kept = [r < keep[i] for i, r in zip(ids, rand)]
    examples = []
    for i, center in enumerate(ids):
        if not kept[i]:
            continue
        context = [ids[j] for j in range(max(0, i - window), min(len(ids), i + window + 1)) if j != i and kept[j]]
        if context:
            examples.append((context, center))
    return examples

"""morpheme_ngrams が「少なくとも 1 個は返す」ようにしている (range(max(1, len(tokens) - n + 1))): n より短い列や空の列で、短い組を 1 つ返してしまう。"""
# %% morpheme_ngrams_answer
def morpheme_ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """tokens の中で隣り合う n 個の組 (tuple) の list を返します。n < 1 なら ValueError を送出します。"""
    if n < 1:
        raise ValueError(f"n は 1 以上である必要があります: n={n}")
    return [tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))]

"""morpheme_ngrams が n-gram を tuple ではなく list (スライスそのまま) で返している。"""
# %% morpheme_ngrams_answer
def morpheme_ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """tokens の中で隣り合う n 個の組 (tuple) の list を返します。n < 1 なら ValueError を送出します。"""
    if n < 1:
        raise ValueError(f"n は 1 以上である必要があります: n={n}")
    return [tokens[i : i + n] for i in range(len(tokens) - n + 1)]

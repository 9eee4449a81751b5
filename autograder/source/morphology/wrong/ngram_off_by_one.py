"""morpheme_ngrams の範囲が 1 つ足りない (range(len(tokens) - n)): 最後の n-gram が抜ける。"""
# %% morpheme_ngrams_answer
def morpheme_ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """tokens の中で隣り合う n 個の組 (tuple) の list を返します。n < 1 なら ValueError を送出します。"""
    if n < 1:
        raise ValueError(f"n は 1 以上である必要があります: n={n}")
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n)]

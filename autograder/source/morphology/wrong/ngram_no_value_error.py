"""morpheme_ngrams が n < 1 を確かめていない (zip で作る): n = 0 や負の n で ValueError を送出せず [] を返す。"""
# %% morpheme_ngrams_answer
def morpheme_ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """tokens の中で隣り合う n 個の組 (tuple) の list を返します。n < 1 なら ValueError を送出します。"""
    return list(zip(*[tokens[i:] for i in range(n)]))

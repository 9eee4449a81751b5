"""Numbers the words in sorted (文字コード) order instead of the order of first occurrence."""
# %% build_vocab_answer
def build_vocab(tokens: list[str], min_count: int = 1, unk: str = "<unk>") -> dict[str, int]:
    """unk を ID 0 に、min_count 回以上出てくる単語に初めて出てきた順に 1 から ID をふった dict を返します。"""
    counts = Counter(tokens)
    words = sorted(t for t in counts if counts[t] >= min_count and t != unk)
    return {unk: 0, **{word: i + 1 for i, word in enumerate(words)}}

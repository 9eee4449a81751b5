"""Numbers the words in sorted (文字コード) order instead of the order of first occurrence."""
# %% build_vocab_answer
def build_vocab(tokens: list[str], min_count: int = 1) -> dict[str, int]:
    """min_count 回以上出てくる単語に、初めて出てきた順に 0 から ID をふった dict を返します。"""
    counts = Counter(tokens)
    words = sorted(t for t in counts if counts[t] >= min_count)
    return {word: i for i, word in enumerate(words)}

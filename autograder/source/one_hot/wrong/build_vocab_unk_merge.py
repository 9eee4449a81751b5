"""build_vocab merges {unk: 0} with the numbered words: a literal "<unk>" in tokens overwrites ID 0, so ID 0 disappears."""
# %% build_vocab_answer
def build_vocab(tokens: list[str], min_count: int = 1, unk: str = "<unk>") -> dict[str, int]:
    """unk を ID 0 に、min_count 回以上出てくる単語に初めて出てきた順に 1 から ID をふった dict を返します。"""
    counts = Counter(tokens)
    words = [t for t in dict.fromkeys(tokens) if counts[t] >= min_count]
    return {unk: 0, **{word: i + 1 for i, word in enumerate(words)}}

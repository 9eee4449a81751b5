"""Off by one: IDs start at 1 instead of 0."""
# %% build_vocab_answer
def build_vocab(tokens: list[str], min_count: int = 1) -> dict[str, int]:
    """min_count 回以上出てくる単語に、初めて出てきた順に 0 から ID をふった dict を返します。"""
    counts = Counter(tokens)
    vocab = {}
    for token in tokens:
        if token not in vocab and counts[token] >= min_count:
            vocab[token] = len(vocab) + 1
    return vocab

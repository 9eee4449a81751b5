"""build_vocab forgets <unk>: words get IDs from 0, so encode(...) of an unknown word raises KeyError with this vocabulary."""
# %% build_vocab_answer
def build_vocab(tokens: list[str], min_count: int = 1, unk: str = "<unk>") -> dict[str, int]:
    """unk を ID 0 に、min_count 回以上出てくる単語に初めて出てきた順に 1 から ID をふった dict を返します。"""
    counts = Counter(tokens)
    vocab = {}
    for token in tokens:
        if token not in vocab and counts[token] >= min_count:
            vocab[token] = len(vocab)
    return vocab

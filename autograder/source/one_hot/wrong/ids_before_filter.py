"""Numbers every distinct word first and drops the rare ones afterwards: IDs have gaps when min_count > 1."""
# %% build_vocab_answer
def build_vocab(tokens: list[str], min_count: int = 1, unk: str = "<unk>") -> dict[str, int]:
    """unk を ID 0 に、min_count 回以上出てくる単語に初めて出てきた順に 1 から ID をふった dict を返します。"""
    counts = Counter(tokens)
    all_ids = {unk: 0}
    for token in tokens:
        if token not in all_ids:
            all_ids[token] = len(all_ids)
    return {token: i for token, i in all_ids.items() if token == unk or counts[token] >= min_count}

"""Accepts a piece in either form (with or without "##") anywhere in the word, then writes "##" by position."""
# %% wordpiece_answer
def wordpiece_tokenize(word: str, vocab, unk: str = "[UNK]", max_chars: int = 100) -> list[str]:
    """word を語彙 vocab のサブワードに左から最長一致で分けた list を返します (続きのサブワードは "##" 付き)。"""
    if len(word) > max_chars:
        return [unk]
    pieces = []
    start = 0
    while start < len(word):
        for end in range(len(word), start, -1):
            sub = word[start:end]
            if sub in vocab or "##" + sub in vocab:
                pieces.append(sub if start == 0 else "##" + sub)
                start = end
                break
        else:
            return [unk]
    return pieces

"""Emits [UNK] for the one character that matches nothing and carries on, instead of making the whole word [UNK]."""
# %% wordpiece_answer
def wordpiece_tokenize(word: str, vocab, unk: str = "[UNK]", max_chars: int = 100) -> list[str]:
    """word を語彙 vocab のサブワードに左から最長一致で分けた list を返します (続きのサブワードは "##" 付き)。"""
    if len(word) > max_chars:
        return [unk]
    pieces = []
    start = 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:
            pieces.append(unk)
            start += 1
    return pieces

"""Drops unknown words instead of mapping them to <unk>: the ID list gets shorter than the token list."""
# %% encode_answer
def encode(tokens: list[str], vocab: dict[str, int], unk: str = "<unk>") -> list[int]:
    """単語の list を ID の list に変えます。未知語は vocab[unk]、unk も語彙になければ KeyError。"""
    return [vocab[token] for token in tokens if token in vocab]

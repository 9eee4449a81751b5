"""encode returns a NumPy array of IDs instead of a list of Python ints."""
# %% encode_answer
def encode(tokens: list[str], vocab: dict[str, int], unk: str = "<unk>") -> list[int]:
    """単語の list を ID の list に変えます。未知語は vocab[unk]、unk も語彙になければ KeyError。"""
    ids = []
    for token in tokens:
        if token in vocab:
            ids.append(vocab[token])
        else:
            ids.append(vocab[unk])  # KeyError when unk is not in the vocabulary either
    return np.array(ids, dtype=np.int64)

"""Treats empty input as an error (ValueError) instead of returning an empty dict, list, (0, size) matrix or zero vector."""
# %% build_vocab_answer
def build_vocab(tokens: list[str], min_count: int = 1, unk: str = "<unk>") -> dict[str, int]:
    """unk を ID 0 に、min_count 回以上出てくる単語に初めて出てきた順に 1 から ID をふった dict を返します。"""
    if not tokens:
        raise ValueError("tokens が空です")
    counts = Counter(tokens)
    vocab = {unk: 0}
    for token in tokens:
        if token not in vocab and counts[token] >= min_count:
            vocab[token] = len(vocab)
    return vocab

# %% encode_answer
def encode(tokens: list[str], vocab: dict[str, int], unk: str = "<unk>") -> list[int]:
    """単語の list を ID の list に変えます。未知語は vocab[unk]、unk も語彙になければ KeyError。"""
    if not tokens:
        raise ValueError("tokens が空です")
    ids = []
    for token in tokens:
        if token in vocab:
            ids.append(vocab[token])
        elif unk in vocab:
            ids.append(vocab[unk])
        else:
            raise KeyError(token)
    return ids

# %% one_hot_answer
def one_hot_matrix(ids: list[int], size: int) -> np.ndarray:
    """形 (len(ids), size)、dtype float32 の one-hot 行列を返します。範囲外の ID には ValueError。"""
    if len(ids) == 0:
        raise ValueError("ids が空です")
    for i in ids:
        if not 0 <= i < size:
            raise ValueError(f"ID {i} は範囲外です")
    matrix = np.zeros((len(ids), size), dtype=np.float32)
    matrix[np.arange(len(ids)), list(ids)] = 1
    return matrix

# %% bow_answer
def bag_of_words(ids: list[int], size: int) -> np.ndarray:
    """形 (size,)、dtype float32 の bag-of-words ベクトル (各 ID の出現回数) を返します。"""
    if len(ids) == 0:
        raise ValueError("ids が空です")
    vector = np.zeros(size, dtype=np.float32)
    for i in ids:
        vector[i] += 1
    return vector

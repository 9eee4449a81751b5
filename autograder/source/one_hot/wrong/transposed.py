"""one-hot matrix transposed: shape (size, len(ids)), one column per token instead of one row."""
# %% one_hot_answer
def one_hot_matrix(ids: list[int], size: int) -> np.ndarray:
    """形 (len(ids), size)、dtype float32 の one-hot 行列を返します。範囲外の ID には ValueError。"""
    for i in ids:
        if not 0 <= i < size:
            raise ValueError(f"ID {i} は範囲外です")
    matrix = np.zeros((size, len(ids)), dtype=np.float32)
    for k, i in enumerate(ids):
        matrix[i, k] = 1
    return matrix

"""Splits with view(B, H, T, D) straight away (and merges with reshape back): the shapes are right, the heads mix tokens."""
# %% heads_answer
def split_heads(x, n_heads):
    """(B, T, C) を (B, H, T, C // H) に分けます。ヘッド h には各トークンの特徴 h*D .. (h+1)*D - 1 が入ります。"""
    B, T, C = x.shape
    if C % n_heads != 0:
        raise ValueError("C が n_heads で割り切れません")
    return x.view(B, n_heads, T, C // n_heads)


def merge_heads(x):
    """(B, H, T, D) を (B, T, H*D) に戻します (split_heads の逆)。"""
    B, H, T, D = x.shape
    return x.reshape(B, T, H * D)

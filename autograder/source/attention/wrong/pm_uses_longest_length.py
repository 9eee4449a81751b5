"""Uses the longest length in the batch as T_k and ignores max_len."""
# %% padding_mask_answer
def padding_mask(lengths, max_len):
    """形 (B, 1, max_len) の bool マスク。位置 j が文の長さ未満なら True を返します。"""
    T = int(lengths.max())
    positions = torch.arange(T)
    return (positions[None, :] < lengths[:, None])[:, None, :]

"""Returns the mask as 0./1. floats instead of booleans (then ~mask and masked_fill do not work)."""
# %% padding_mask_answer
def padding_mask(lengths, max_len):
    """形 (B, 1, max_len) の bool マスク。位置 j が文の長さ未満なら True を返します。"""
    positions = torch.arange(max_len)
    return (positions[None, :] < lengths[:, None]).float()[:, None, :]

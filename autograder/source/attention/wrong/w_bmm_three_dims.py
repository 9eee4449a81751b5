"""Uses torch.bmm for batched inputs, which only accepts 3-D tensors (fails with a head dimension)."""
# %% weights_answer
def attention_weights(query, key, mask=None):
    """softmax(Q K^T / sqrt(d)) の重み (..., T_q, T_k)。mask が False の位置はちょうど 0、全部 False の行は 0。"""
    d = query.shape[-1]
    if query.dim() == 2:
        scores = query @ key.T / math.sqrt(d)
    else:
        scores = torch.bmm(query, key.transpose(1, 2)) / math.sqrt(d)
    if mask is None:
        return torch.softmax(scores, dim=-1)
    scores = scores.masked_fill(~mask, -1e9)
    return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)

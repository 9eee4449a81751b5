"""Forgets to divide the scores by sqrt(d)."""
# %% weights_answer
def attention_weights(query, key, mask=None):
    """softmax(Q K^T / sqrt(d)) の重み (..., T_q, T_k)。mask が False の位置はちょうど 0、全部 False の行は 0。"""
    scores = query @ key.transpose(-2, -1)
    if mask is None:
        return torch.softmax(scores, dim=-1)
    scores = scores.masked_fill(~mask, -1e9)
    return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)

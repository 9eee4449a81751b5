"""Fills masked scores with -inf and stops there: a row with nothing to attend to becomes NaN."""
# %% weights_answer
def attention_weights(query, key, mask=None):
    """softmax(Q K^T / sqrt(d)) の重み (..., T_q, T_k)。mask が False の位置はちょうど 0、全部 False の行は 0。"""
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1)

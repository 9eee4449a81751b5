"""Computes the weighted sum with torch.bmm: only 3-D batches work (no 2-D, no head dimension)."""
# %% attention_answer
def attention(query, key, value, mask=None):
    """(output (..., T_q, d_v), weights (..., T_q, T_k)) を返します。output = weights @ value。"""
    weights = attention_weights(query, key, mask)
    return torch.bmm(weights, value), weights

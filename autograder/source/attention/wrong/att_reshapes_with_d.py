"""Reshapes the output with the query dimension d, assuming d_v = d."""
# %% attention_answer
def attention(query, key, value, mask=None):
    """(output (..., T_q, d_v), weights (..., T_q, T_k)) を返します。output = weights @ value。"""
    weights = attention_weights(query, key, mask)
    out = weights @ value[..., : query.shape[-1]]
    return out.reshape(*query.shape), weights

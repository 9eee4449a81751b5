"""Divides by the square root of the sequence length instead of d_k (the visible example has T = d_k = 3)."""
# %% attention_answer
def attention(q, k, v, causal=False):
    """softmax(q kᵀ / √d_k) v と注意の重みを返します。causal=True なら位置 i は j <= i のキーだけを見ます。"""
    T = k.size(-2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(T)
    if causal:
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights

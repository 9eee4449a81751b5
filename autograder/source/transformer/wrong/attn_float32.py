"""Casts the scores to float32 (a copy from mixed-precision code): float64 inputs come back as float32."""
# %% attention_answer
def attention(q, k, v, causal=False):
    """softmax(q kᵀ / √d_k) v と注意の重みを返します。causal=True なら位置 i は j <= i のキーだけを見ます。"""
    scores = (q @ k.transpose(-2, -1)).float() / math.sqrt(q.size(-1))
    if causal:
        T = scores.size(-1)
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v.float(), weights

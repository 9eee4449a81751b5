"""Transposes with k.T, which reverses all dimensions: right for 2-D inputs only, wrong for (B, H, T, d)."""
# %% attention_answer
def attention(q, k, v, causal=False):
    """softmax(q kᵀ / √d_k) v と注意の重みを返します。causal=True なら位置 i は j <= i のキーだけを見ます。"""
    scores = torch.matmul(q, k.T) / math.sqrt(q.shape[-1])
    if causal:
        n = q.shape[0]
        scores = scores.masked_fill(torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return torch.matmul(weights, v), weights

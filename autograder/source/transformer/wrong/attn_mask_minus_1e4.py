"""Fills masked scores with -1e4 (a habit from fp16 code) instead of -inf: when the real scores are below -1e4 the future wins."""
# %% attention_answer
def attention(q, k, v, causal=False):
    """softmax(q kᵀ / √d_k) v と注意の重みを返します。causal=True なら位置 i は j <= i のキーだけを見ます。"""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if causal:
        T = scores.size(-1)
        scores = scores.masked_fill(torch.ones(T, T).tril() == 0, -1e4)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights

"""Computes the scores by hand and scales by sqrt(d_model) instead of the per-head sqrt(d_k): same with one head, wrong with four."""
# %% mha_answer
def multi_head_attention(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, n_heads, causal=False):
    """nn.MultiheadAttention と同じ重みの並びで、x (B, T, C) のマルチヘッド自己注意の出力 (B, T, C) を返します。"""
    C = x.size(-1)
    q, k, v = F.linear(x, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
    q, k, v = split_heads(q, n_heads), split_heads(k, n_heads), split_heads(v, n_heads)
    scores = q @ k.transpose(-2, -1) / math.sqrt(C)
    if causal:
        T = x.size(1)
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return F.linear(merge_heads(out), out_proj_weight, out_proj_bias)

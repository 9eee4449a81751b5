"""Returns the concatenated heads without the output projection W_O (invisible when W_O is the identity)."""
# %% mha_answer
def multi_head_attention(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, n_heads, causal=False):
    """nn.MultiheadAttention と同じ重みの並びで、x (B, T, C) のマルチヘッド自己注意の出力 (B, T, C) を返します。"""
    w_q, w_k, w_v = in_proj_weight.chunk(3, dim=0)
    b_q, b_k, b_v = in_proj_bias.chunk(3)
    q = split_heads(F.linear(x, w_q, b_q), n_heads)
    k = split_heads(F.linear(x, w_k, b_k), n_heads)
    v = split_heads(F.linear(x, w_v, b_v), n_heads)
    out, _ = attention(q, k, v, causal=causal)
    return merge_heads(out) + out_proj_bias

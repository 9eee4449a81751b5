"""Calls F.layer_norm without the eps argument (so always 1e-5): right for default layers only."""
# %% encoder_answer
def encoder_layer_forward(x, params, n_heads, eps=1e-5):
    """nn.TransformerEncoderLayer (post-LN) の state_dict と同じ名前の重み params で、その層の順伝播を計算します。"""
    C = x.size(-1)
    a = multi_head_attention(x, params["self_attn.in_proj_weight"], params["self_attn.in_proj_bias"],
                             params["self_attn.out_proj.weight"], params["self_attn.out_proj.bias"], n_heads)
    h = F.layer_norm(x + a, (C,), params["norm1.weight"], params["norm1.bias"])
    f = F.linear(F.relu(F.linear(h, params["linear1.weight"], params["linear1.bias"])),
                 params["linear2.weight"], params["linear2.bias"])
    return F.layer_norm(h + f, (C,), params["norm2.weight"], params["norm2.bias"])

"""Uses the pre-LN order x + f(LN(x)) (GPT's) for the post-LN layer of the paper."""
# %% encoder_answer
def encoder_layer_forward(x, params, n_heads, eps=1e-5):
    """nn.TransformerEncoderLayer (post-LN) の state_dict と同じ名前の重み params で、その層の順伝播を計算します。"""
    C = x.size(-1)
    n1 = F.layer_norm(x, (C,), params["norm1.weight"], params["norm1.bias"], eps)
    h = x + multi_head_attention(n1, params["self_attn.in_proj_weight"], params["self_attn.in_proj_bias"],
                                 params["self_attn.out_proj.weight"], params["self_attn.out_proj.bias"], n_heads)
    n2 = F.layer_norm(h, (C,), params["norm2.weight"], params["norm2.bias"], eps)
    return h + F.linear(F.relu(F.linear(n2, params["linear1.weight"], params["linear1.bias"])),
                        params["linear2.weight"], params["linear2.bias"])

"""Inverts the mask with ~attention_mask, which only means "not" for bool tensors (~1 == -2 for int64)."""
# %% padded_attention_answer
def padded_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                     attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """パディング (attention_mask が 0 の位置) のキーを無視した双方向の注意の (出力, 重み) を返します。"""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    pad = ~attention_mask[:, None, None, :]
    weights = torch.softmax(scores.masked_fill(pad, float("-inf")), dim=-1)
    weights = torch.nan_to_num(weights, nan=0.0)
    return weights @ v, weights

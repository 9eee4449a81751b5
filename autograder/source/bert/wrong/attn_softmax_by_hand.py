"""Writes the softmax by hand as exp(s) / sum exp(s) without subtracting the maximum: large scores overflow to nan."""
# %% padded_attention_answer
def padded_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                     attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """パディング (attention_mask が 0 の位置) のキーを無視した双方向の注意の (出力, 重み) を返します。"""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    keep = (attention_mask != 0)[:, None, None, :].to(q.dtype)
    e = torch.exp(scores) * keep
    weights = e / e.sum(dim=-1, keepdim=True).clamp_min(1e-30)
    return weights @ v, weights

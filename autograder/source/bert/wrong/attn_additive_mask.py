"""Adds (1 - mask) * -1e9 to the scores (the Hugging Face habit): an all-padding sentence gets uniform weights, not zeros."""
# %% padded_attention_answer
def padded_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                     attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """パディング (attention_mask が 0 の位置) のキーを無視した双方向の注意の (出力, 重み) を返します。"""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    bias = (1.0 - attention_mask.to(q.dtype))[:, None, None, :] * -1e9
    weights = torch.softmax(scores + bias, dim=-1)
    return weights @ v, weights

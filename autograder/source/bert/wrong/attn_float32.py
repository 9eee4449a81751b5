"""Builds the additive mask in float32 and keeps computing in float32: float64 inputs come back as float32."""
# %% padded_attention_answer
def padded_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                     attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """パディング (attention_mask が 0 の位置) のキーを無視した双方向の注意の (出力, 重み) を返します。"""
    scores = (q @ k.transpose(-2, -1)).float() / math.sqrt(q.size(-1))
    keep = (attention_mask != 0)[:, None, None, :]
    weights = torch.softmax(scores.masked_fill(~keep, float("-inf")), dim=-1)
    weights = weights.masked_fill(~keep.any(dim=-1, keepdim=True), 0.0)
    return weights @ v.float(), weights

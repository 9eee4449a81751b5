"""Masks padding keys with -inf and stops there: a sentence that is all padding gets nan weights and outputs."""
# %% padded_attention_answer
def padded_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                     attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """パディング (attention_mask が 0 の位置) のキーを無視した双方向の注意の (出力, 重み) を返します。"""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    scores = scores.masked_fill(attention_mask[:, None, None, :] == 0, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights

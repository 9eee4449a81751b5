"""Calls torch.topk with k as given: k larger than the vocabulary raises, and the result is always float32."""
# %% top_k_answer
def top_k_probs(logits: torch.Tensor, k: int, temperature: float = 1.0) -> torch.Tensor:
    """温度で割ったロジットの上位 k 個 (同点を含む) だけでソフトマックスをとった確率を返します。"""
    scaled = (logits / temperature).float()
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    return torch.softmax(scaled.masked_fill(scaled < kth, float("-inf")), dim=-1)

"""Keeps exactly the k indices torch.topk returns: a value tied with the k-th is dropped."""
# %% top_k_answer
def top_k_probs(logits: torch.Tensor, k: int, temperature: float = 1.0) -> torch.Tensor:
    """温度で割ったロジットの上位 k 個 (同点を含む) だけでソフトマックスをとった確率を返します。"""
    scaled = logits / temperature
    k = min(k, scaled.size(-1))
    keep = torch.zeros_like(scaled, dtype=torch.bool).scatter(-1, torch.topk(scaled, k, dim=-1).indices, True)
    return torch.softmax(scaled.masked_fill(~keep, float("-inf")), dim=-1)

"""Softmax written with exp and no max subtraction: large logits overflow to inf/nan."""
# %% top_k_answer
def top_k_probs(logits: torch.Tensor, k: int, temperature: float = 1.0) -> torch.Tensor:
    """温度で割ったロジットの上位 k 個 (同点を含む) だけでソフトマックスをとった確率を返します。"""
    scaled = logits / temperature
    k = min(k, scaled.size(-1))
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    e = torch.exp(scaled) * (scaled >= kth)
    return e / e.sum(dim=-1, keepdim=True)

"""Accepts any p: p = 0 silently keeps nothing (nan) and p = 1.5 keeps everything, instead of a ValueError."""
# %% top_p_answer
def top_p_probs(logits: torch.Tensor, p: float) -> torch.Tensor:
    """累積確率が初めて p 以上になるまでの上位トークンだけを残して割り直した確率を返します。"""
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep = torch.zeros_like(before, dtype=torch.bool).scatter(-1, order, before < p)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)

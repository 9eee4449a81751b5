"""Assumes the logits are already sorted from the most to the least probable token."""
# %% top_p_answer
def top_p_probs(logits: torch.Tensor, p: float) -> torch.Tensor:
    """累積確率が初めて p 以上になるまでの上位トークンだけを残して割り直した確率を返します。"""
    if not 0 < p <= 1:
        raise ValueError(f"p は 0 < p <= 1 です: {p}")
    probs = torch.softmax(logits, dim=-1)
    before = torch.cumsum(probs, dim=-1) - probs
    kept = probs * (before < p)
    return kept / kept.sum(dim=-1, keepdim=True)

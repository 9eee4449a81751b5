"""Hard-codes the threshold 1e-3 and ignores the argument t."""
# %% keep_answer
def keep_probabilities(counts: list[int], t: float = 1e-3) -> torch.Tensor:
    """相対頻度 f の単語を残す確率 min(1, sqrt(t / f)) を、形 (len(counts),) の float32 テンソルで返します。"""
    c = torch.tensor(counts, dtype=torch.float64)
    f = c / c.sum()
    return torch.sqrt(1e-3 / f).clamp(max=1.0).float()

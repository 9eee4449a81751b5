"""Forgets the min(1, ·): a word rarer than the threshold gets a 'probability' above 1."""
# %% keep_answer
def keep_probabilities(counts: list[int], t: float = 1e-3) -> torch.Tensor:
    """相対頻度 f の単語を残す確率 min(1, sqrt(t / f)) を、形 (len(counts),) の float32 テンソルで返します。"""
    c = torch.tensor(counts, dtype=torch.float64)
    f = c / c.sum()
    return torch.sqrt(t / f).float()

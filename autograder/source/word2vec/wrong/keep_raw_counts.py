"""Uses the raw count instead of the relative frequency: sqrt(t / count)."""
# %% keep_answer
def keep_probabilities(counts: list[int], t: float = 1e-3) -> torch.Tensor:
    """相対頻度 f の単語を残す確率 min(1, sqrt(t / f)) を、形 (len(counts),) の float32 テンソルで返します。"""
    c = torch.tensor(counts, dtype=torch.float64)
    return torch.sqrt(t / c).clamp(max=1.0).float()

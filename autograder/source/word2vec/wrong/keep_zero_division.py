"""Computes with Python floats, one word at a time: a word seen 0 times raises ZeroDivisionError."""
# %% keep_answer
def keep_probabilities(counts: list[int], t: float = 1e-3) -> torch.Tensor:
    """相対頻度 f の単語を残す確率 min(1, sqrt(t / f)) を、形 (len(counts),) の float32 テンソルで返します。"""
    total = sum(counts)
    return torch.tensor([min(1.0, math.sqrt(t / (c / total))) for c in counts], dtype=torch.float32)

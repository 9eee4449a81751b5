"""Hard-codes the exponent 0.75 and ignores the power argument."""
# %% noise_answer
def noise_distribution(counts: list[int], power: float = 0.75) -> torch.Tensor:
    """出現回数の power 乗に比例する確率 (合計 1) を、形 (len(counts),) の float32 テンソルで返します。"""
    weights = torch.tensor(counts, dtype=torch.float32) ** 0.75
    return weights / weights.sum()

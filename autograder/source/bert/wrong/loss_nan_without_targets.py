"""Calls F.cross_entropy directly: when every label is -100 the mean over zero positions is nan, not 0."""
# %% mlm_loss_answer
def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """ラベルが -100 でない位置だけの交差エントロピーの平均 (位置がなければ 0) を 0 次元のテンソルで返します。"""
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)

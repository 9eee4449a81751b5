"""Sums the losses of the chosen positions but divides by the number of all positions (padding and unchosen included)."""
# %% mlm_loss_answer
def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """ラベルが -100 でない位置だけの交差エントロピーの平均 (位置がなければ 0) を 0 次元のテンソルで返します。"""
    flat_logits = logits.reshape(-1, logits.size(-1))
    flat_labels = labels.reshape(-1)
    losses = F.cross_entropy(flat_logits, flat_labels, reduction="none")
    return losses.sum() / flat_labels.numel()

"""Takes torch.log(torch.softmax(...)): a probability that underflows to 0 gives log 0 = -inf (an infinite loss)."""
# %% mlm_loss_answer
def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """ラベルが -100 でない位置だけの交差エントロピーの平均 (位置がなければ 0) を 0 次元のテンソルで返します。"""
    flat_logits = logits.reshape(-1, logits.size(-1))
    flat_labels = labels.reshape(-1)
    chosen = flat_labels != -100
    if not chosen.any():
        return torch.zeros((), dtype=logits.dtype)
    probs = torch.softmax(flat_logits[chosen], dim=-1)
    return -torch.log(probs.gather(-1, flat_labels[chosen][:, None])).mean()

"""Sign error in the negative term: log σ(u_neg·v) instead of log σ(-u_neg·v), which rewards noise words that look like contexts."""
# %% loss_answer
def negative_sampling_loss(v: torch.Tensor, u_pos: torch.Tensor, u_neg: torch.Tensor) -> torch.Tensor:
    """1 組の負例サンプリングの損失 -log σ(u_pos·v) - Σ_k log σ(-u_neg[k]·v) を 0 次元テンソルで返します。"""
    pos = u_pos @ v
    neg = u_neg @ v
    return -(F.logsigmoid(pos) + F.logsigmoid(neg).sum())

"""Computes log(sigmoid(x)) literally: sigmoid underflows to 0 for large negative scores and the loss becomes inf."""
# %% loss_answer
def negative_sampling_loss(v: torch.Tensor, u_pos: torch.Tensor, u_neg: torch.Tensor) -> torch.Tensor:
    """1 組の負例サンプリングの損失 -log σ(u_pos·v) - Σ_k log σ(-u_neg[k]·v) を 0 次元テンソルで返します。"""
    pos = u_pos @ v
    neg = u_neg @ v
    return -(torch.log(torch.sigmoid(pos)) + torch.log(torch.sigmoid(-neg)).sum())

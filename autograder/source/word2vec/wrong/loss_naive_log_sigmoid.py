"""Computes log(sigmoid(x)) literally: sigmoid underflows to 0 for large negative scores and the loss becomes inf."""
# %% loss_answer
def cbow_loss(W_in: torch.Tensor, W_out: torch.Tensor, context: list[int], center: int, negatives: list[int]) -> torch.Tensor:
    """周りの単語の入力ベクトルの平均 h で、負例サンプリングの損失を 0 次元テンソルで返します。"""
    h = W_in[torch.tensor(context)].mean(dim=0)
    pos = W_out[center] @ h
    neg = W_out[torch.tensor(negatives, dtype=torch.long)] @ h
    return -(torch.log(torch.sigmoid(pos)) + torch.log(torch.sigmoid(-neg)).sum())

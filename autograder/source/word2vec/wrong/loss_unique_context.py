"""Removes repeated context words with set(): a word seen twice in the window counts once in the mean."""
# %% loss_answer
def cbow_loss(W_in: torch.Tensor, W_out: torch.Tensor, context: list[int], center: int, negatives: list[int]) -> torch.Tensor:
    """周りの単語の入力ベクトルの平均 h で、負例サンプリングの損失を 0 次元テンソルで返します。"""
    h = W_in[torch.tensor(sorted(set(context)))].mean(dim=0)
    pos = W_out[center] @ h
    neg = W_out[torch.tensor(negatives, dtype=torch.long)] @ h
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum())

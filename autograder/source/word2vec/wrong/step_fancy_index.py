"""Updates with W[idx] -= ...: when idx repeats a row (a context word twice, repeated negatives) the row is moved only once."""
# %% step_answer
def cbow_sgd_step(W_in: torch.Tensor, W_out: torch.Tensor, context: list[int], center: int, negatives: list[int],
                  lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """手で計算した勾配で SGD を 1 ステップ進めた新しい (W_in, W_out) を返します (引数は変更しません)。"""
    W_in, W_out = W_in.clone(), W_out.clone()
    ctx = torch.tensor(context)
    neg = torch.tensor(negatives, dtype=torch.long)
    h = W_in[ctx].mean(dim=0)
    g = torch.sigmoid(W_out[center] @ h) - 1
    g_neg = torch.sigmoid(W_out[neg] @ h)
    grad_h = g * W_out[center] + g_neg @ W_out[neg]
    W_out[center] -= lr * g * h
    W_out[neg] -= lr * g_neg.unsqueeze(1) * h.unsqueeze(0)
    W_in[ctx] -= lr * grad_h / len(context)
    return W_in, W_out

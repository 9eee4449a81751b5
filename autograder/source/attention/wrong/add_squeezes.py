"""Squeezes the last matmul result: with B, T_q or T_k equal to 1 a dimension disappears."""
# %% additive_answer
def additive_scores(query, key, W_q, W_k, v):
    """加法スコア v^T tanh(W_q q_i + W_k k_j) を形 (B, T_q, T_k) で返します。"""
    q = (query @ W_q.T).unsqueeze(2)
    k = (key @ W_k.T).unsqueeze(1)
    return (torch.tanh(q + k) @ v[:, None]).squeeze()

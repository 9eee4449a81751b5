"""Forgets the tanh: the score becomes linear, v^T (W_q q + W_k k)."""
# %% additive_answer
def additive_scores(query, key, W_q, W_k, v):
    """加法スコア v^T tanh(W_q q_i + W_k k_j) を形 (B, T_q, T_k) で返します。"""
    q = (query @ W_q.T)[:, :, None, :]
    k = (key @ W_k.T)[:, None, :, :]
    return (q + k) @ v

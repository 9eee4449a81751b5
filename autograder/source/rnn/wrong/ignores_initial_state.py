"""Starts every sequence from a zero state instead of the given h0 (and, for T = 0, returns zeros instead of h0)."""
# %% rnn_forward_answer
def rnn_forward(xs, h0, W_x, W_h, b):
    B, T, _ = xs.shape
    h = torch.zeros_like(h0)
    states = []
    for t in range(T):
        h = rnn_cell(xs[:, t], h, W_x, W_h, b)
        states.append(h)
    if T == 0:
        return xs.new_zeros(B, 0, h0.shape[-1]), h
    return torch.stack(states, dim=1), h

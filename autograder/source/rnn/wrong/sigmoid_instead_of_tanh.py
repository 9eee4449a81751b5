"""Uses the logistic sigmoid instead of tanh as the RNN's nonlinearity (states in (0, 1), not (-1, 1))."""
# %% rnn_cell_answer
def rnn_cell(x, h, W_x, W_h, b):
    return torch.sigmoid(x @ W_x.T + h @ W_h.T + b)

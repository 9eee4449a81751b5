"""Uses the exponent i / d_model instead of 2i / d_model: columns 0 and 1 are right, the higher frequencies are wrong."""
# %% pe_answer
def sinusoidal_encoding(max_len, d_model):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(同じ) の (max_len, d_model) の float32 テンソル。"""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    i = torch.arange(d_model // 2, dtype=torch.float32)
    angles = pos / 10000 ** (i / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe

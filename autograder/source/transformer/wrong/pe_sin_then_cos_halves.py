"""Puts all sines in the first half and all cosines in the second (as some libraries do) instead of interleaving them."""
# %% pe_answer
def sinusoidal_encoding(max_len, d_model):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(同じ) の (max_len, d_model) の float32 テンソル。"""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)
    angles = pos / 10000 ** (two_i / d_model)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)

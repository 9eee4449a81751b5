"""Reports the cross-entropy in nats (natural log) and calls it bits: forgets to divide by ln 2."""
# %% bpc_answer
def bits_per_character(logits, targets):
    if targets.numel() == 0:
        raise ValueError("empty")
    logp = torch.log_softmax(logits, dim=-1)
    return float(-logp[torch.arange(len(targets)), targets].mean())

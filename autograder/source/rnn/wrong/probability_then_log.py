"""Takes log2 of the softmax probabilities: a probability rounded to 0 gives log 0 = -inf (infinite bpc for large logits); also returns a tensor, not a float."""
# %% bpc_answer
def bits_per_character(logits, targets):
    if targets.numel() == 0:
        raise ValueError("empty")
    probs = torch.softmax(logits, dim=-1)
    return -torch.log2(probs[torch.arange(len(targets)), targets]).mean()

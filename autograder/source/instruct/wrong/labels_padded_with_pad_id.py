"""Pads the labels with pad_id instead of IGNORE_INDEX, so the model is trained to predict the padding."""
# %% build_example_answer
def build_example(prompt_ids, response_ids, max_len, pad_id):
    full = list(prompt_ids) + list(response_ids)
    n = len(full) - 1
    if n > max_len:
        raise ValueError("too long")
    labels = [IGNORE_INDEX] * (len(prompt_ids) - 1) + full[len(prompt_ids):]
    inputs = full[:-1] + [pad_id] * (max_len - n)
    labels = labels + [pad_id] * (max_len - n)
    return torch.tensor(inputs, dtype=torch.long), torch.tensor(labels, dtype=torch.long)

"""Silently truncates an example longer than max_len, and returns float tensors (torch.tensor of a list built with floats)."""
# %% build_example_answer
def build_example(prompt_ids, response_ids, max_len, pad_id):
    full = [float(t) for t in list(prompt_ids) + list(response_ids)]
    inputs = full[:-1][:max_len]
    labels = ([float(IGNORE_INDEX)] * (len(prompt_ids) - 1) + full[len(prompt_ids):])[:max_len]
    inputs = inputs + [float(pad_id)] * (max_len - len(inputs))
    labels = labels + [float(IGNORE_INDEX)] * (max_len - len(labels))
    return torch.tensor(inputs), torch.tensor(labels)

"""Shifts the wrong way: the inputs drop the first character and the targets drop the last (predicts the previous character)."""
# %% shift_targets_answer
def shift_targets(ids):
    return ids[..., 1:], ids[..., :-1]

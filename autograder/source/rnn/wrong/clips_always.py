"""Always rescales the gradient to length max_norm, so a small gradient is blown up to max_norm; an empty list divides by zero."""
# %% clip_answer
def clip_grad_norm(grads, max_norm):
    total = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
    return [g * (max_norm / total) for g in grads], total

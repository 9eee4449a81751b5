"""Clips each tensor by its own norm instead of the norm of all gradients together (changes the gradient's direction)."""
# %% clip_answer
def clip_grad_norm(grads, max_norm):
    out, total = [], 0.0
    for g in grads:
        n = float(g.norm())
        total += n
        out.append(g * (max_norm / n) if n > max_norm else g.clone())
    return out, total

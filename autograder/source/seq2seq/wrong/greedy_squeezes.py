"""Squeezes the result "to tidy it up": a length-1 output (or B = 1) loses a dimension."""
# %% greedy_answer
def greedy_decode(step, state, batch_size, max_len, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """貪欲法: 毎時刻 argmax を選び、<eos> の後は pad_id、全部の文が終わるか max_len 回で止めて (B, L) を返します。"""
    prev = torch.full((batch_size,), bos_id, dtype=torch.long)
    done = torch.zeros(batch_size, dtype=torch.bool)
    out = []
    for _ in range(max_len):
        logits, state = step(prev, state)
        nxt = logits.argmax(dim=-1)
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        out.append(nxt)
        done = done | (nxt == eos_id)
        prev = nxt
        if bool(done.all()):
            break
    if not out:
        return torch.zeros(batch_size, 0, dtype=torch.long)
    return torch.stack(out, dim=1).squeeze()

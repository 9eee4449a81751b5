"""Runs one step too many: range(max_len + 1), so max_len is not respected (and max_len = 0 still calls step)."""
# %% greedy_answer
def greedy_decode(step, state, batch_size, max_len, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """貪欲法: 毎時刻 argmax を選び、<eos> の後は pad_id、全部の文が終わるか max_len 回で止めて (B, L) を返します。"""
    prev = torch.full((batch_size,), bos_id, dtype=torch.long)
    done = torch.zeros(batch_size, dtype=torch.bool)
    out = []
    for _ in range(max_len + 1):
        logits, state = step(prev, state)
        nxt = logits.argmax(dim=-1)
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        out.append(nxt)
        done = done | (nxt == eos_id)
        prev = nxt
        if bool(done.all()):
            break
    return torch.stack(out, dim=1)

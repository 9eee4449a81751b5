"""Hand-written argmax with >=: on a tie it keeps the LAST maximal id instead of the first."""
# %% greedy_answer
def greedy_decode(step, state, batch_size, max_len, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """貪欲法: 毎時刻 argmax を選び、<eos> の後は pad_id、全部の文が終わるか max_len 回で止めて (B, L) を返します。"""
    prev = torch.full((batch_size,), bos_id, dtype=torch.long)
    done = [False] * batch_size
    out = []
    for _ in range(max_len):
        logits, state = step(prev, state)
        nxt = []
        for b in range(batch_size):
            best, best_v = None, None
            for v in range(logits.shape[1]):
                if best is None or logits[b, v] >= best:
                    best, best_v = logits[b, v], v
            nxt.append(pad_id if done[b] else best_v)
            done[b] = done[b] or nxt[-1] == eos_id
        prev = torch.tensor(nxt, dtype=torch.long)
        out.append(prev)
        if all(done):
            break
    if not out:
        return torch.zeros(batch_size, 0, dtype=torch.long)
    return torch.stack(out, dim=1)

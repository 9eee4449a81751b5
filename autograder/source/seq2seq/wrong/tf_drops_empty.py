"""Skips empty target sentences (there is "nothing to predict"), so the batch loses rows."""
# %% teacher_forcing_answer
def teacher_forcing_batch(targets, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """デコーダの入力 (<bos> y) とターゲット (y <eos>) を、pad_id で右を埋めた (B, T) の long テンソルで返します。"""
    targets = [t for t in targets if len(t) > 0]
    T = max(len(t) for t in targets) + 1
    inputs = torch.full((len(targets), T), pad_id, dtype=torch.long)
    outputs = torch.full((len(targets), T), pad_id, dtype=torch.long)
    for b, t in enumerate(targets):
        inputs[b, : len(t) + 1] = torch.tensor([bos_id] + list(t), dtype=torch.long)
        outputs[b, : len(t) + 1] = torch.tensor(list(t) + [eos_id], dtype=torch.long)
    return inputs, outputs

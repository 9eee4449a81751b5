"""Builds the tensors with torch.full without a dtype: float32 ids, which an embedding layer rejects."""
# %% teacher_forcing_answer
def teacher_forcing_batch(targets, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """デコーダの入力 (<bos> y) とターゲット (y <eos>) を、pad_id で右を埋めた (B, T) の long テンソルで返します。"""
    T = max(len(t) for t in targets) + 1
    inputs = torch.full((len(targets), T), float(pad_id))
    outputs = torch.full((len(targets), T), float(pad_id))
    for b, t in enumerate(targets):
        for k, y in enumerate([bos_id] + list(t)):
            inputs[b, k] = y
        for k, y in enumerate(list(t) + [eos_id]):
            outputs[b, k] = y
    return inputs, outputs

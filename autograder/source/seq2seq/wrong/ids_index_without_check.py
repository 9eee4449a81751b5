"""Cuts with ids.index(eos_id): fails when there is no <eos> (empty list) and on tensors (no .index)."""
# %% ids_to_words_answer
def ids_to_words(ids, itos, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """最初の eos_id までの ID を単語に変えます。bos_id と pad_id は読み飛ばします。"""
    ids = ids[: ids.index(eos_id)]
    return [itos[i] for i in ids if i not in (bos_id, pad_id)]

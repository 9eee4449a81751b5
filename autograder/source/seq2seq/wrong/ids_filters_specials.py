"""Removes <bos>, <eos> and <pad> but does not stop at the first <eos>: words after it are kept."""
# %% ids_to_words_answer
def ids_to_words(ids, itos, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """最初の eos_id までの ID を単語に変えます。bos_id と pad_id は読み飛ばします。"""
    return [itos[int(i)] for i in ids if int(i) not in (bos_id, eos_id, pad_id)]

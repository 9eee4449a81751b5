"""Hard-codes <pad> = 0, <bos> = 1, <eos> = 2 instead of using the arguments."""
# %% ids_to_words_answer
def ids_to_words(ids, itos, bos_id=BOS, eos_id=EOS, pad_id=PAD):
    """最初の eos_id までの ID を単語に変えます。bos_id と pad_id は読み飛ばします。"""
    words = []
    for i in ids:
        i = int(i)
        if i == 2:
            break
        if i in (0, 1):
            continue
        words.append(itos[i])
    return words

"""Greedy longest match over the vocabulary the merges define, instead of replaying the merges in order."""
# %% bpe_encode_answer
def bpe_encode(piece: str, merges: list[tuple[str, str]]) -> list[str]:
    """piece を 1 文字ずつに分け、merges を学習した順に当てはめた記号の list を返します。"""
    vocab = set(piece) | {a + b for a, b in merges}
    longest = max((len(t) for t in vocab), default=1)
    out, i = [], 0
    while i < len(piece):
        for n in range(min(longest, len(piece) - i), 0, -1):
            if piece[i:i + n] in vocab:
                out.append(piece[i:i + n])
                i += n
                break
    return out

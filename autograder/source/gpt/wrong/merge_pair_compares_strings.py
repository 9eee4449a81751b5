"""Compares the concatenated strings, so 'ab' + 'c' counts as a match for ('a', 'bc')."""
# %% merge_pair_answer
def merge_pair(symbols: list[str], pair: tuple[str, str], new_symbol: str) -> list[str]:
    """symbols の中の隣り合う pair を、左から重ならないように new_symbol に置き換えた新しい list を返します。"""
    out = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] + symbols[i + 1] == pair[0] + pair[1]:
            out.append(new_symbol)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out

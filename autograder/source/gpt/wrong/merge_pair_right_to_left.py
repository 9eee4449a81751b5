"""Scans from the right, so overlapping matches merge on the wrong side (a a a -> a aa)."""
# %% merge_pair_answer
def merge_pair(symbols: list[str], pair: tuple[str, str], new_symbol: str) -> list[str]:
    """symbols の中の隣り合う pair を、左から重ならないように new_symbol に置き換えた新しい list を返します。"""
    out = []
    i = len(symbols) - 1
    while i >= 0:
        if i > 0 and (symbols[i - 1], symbols[i]) == pair:
            out.append(new_symbol)
            i -= 2
        else:
            out.append(symbols[i])
            i -= 1
    return out[::-1]

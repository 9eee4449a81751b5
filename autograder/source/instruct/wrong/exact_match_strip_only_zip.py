"""Only strips (no NFKC), zips lists of different lengths silently and divides by zero on empty input."""
# %% exact_match_answer
def exact_match_accuracy(predictions, answers):
    hits = sum(p.strip() == a.strip() for p, a in zip(predictions, answers))
    return hits / len(predictions)

"""Forgets the instruction line in the prompt, and returns the accuracy as a torch tensor instead of a float."""
# %% k_shot_answer
def k_shot_prompt(examples, query, k, instruction=""):
    if not 0 <= k <= len(examples):
        raise ValueError("bad k")
    shots = "".join(f"入力：{x}\n出力：{y}\n" for x, y in examples[:k])
    return shots + f"入力：{query}\n出力："
# %% exact_match_answer
def exact_match_accuracy(predictions, answers):
    if len(predictions) != len(answers) or not answers:
        raise ValueError("bad lengths")
    norm = lambda s: unicodedata.normalize("NFKC", s).strip()  # noqa: E731
    return torch.tensor([norm(p) == norm(a) for p, a in zip(predictions, answers)], dtype=torch.float).mean()

"""Takes the LAST k examples (examples[-k:], which is all of them for k = 0) and never checks k."""
# %% k_shot_answer
def k_shot_prompt(examples, query, k, instruction=""):
    head = instruction + "\n" if instruction else ""
    shots = "".join(f"入力：{x}\n出力：{y}\n" for x, y in examples[-k:])
    return head + shots + f"入力：{query}\n出力："

"""Cuts the passage that overflows to the space that is left instead of leaving it out, and drops the question when the budget is too small."""
# %% prompt_answer
def build_prompt(question: str, passages: list[str], max_chars: int) -> str:
    """資料を順位の順に、全体が max_chars 文字以下に収まるあいだだけ入れたプロンプトを返します。"""
    head = "次の資料を使って質問に答えてください。\n"
    tail = f"質問: {question}\n答え:"
    body = ""
    for number, passage in enumerate(passages, start=1):
        line = f"[{number}] {passage}\n"
        room = max_chars - len(head) - len(body) - len(tail)
        if len(line) > room:
            if room > len(f"[{number}] \n"):
                body += f"[{number}] {passage[:room - len(f'[{number}] ' + chr(10))]}\n"
            break
        body += line
    prompt = head + body + tail
    return prompt if len(prompt) <= max_chars else prompt[:max_chars]

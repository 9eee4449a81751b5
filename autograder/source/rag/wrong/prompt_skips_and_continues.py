"""Skips a passage that does not fit and goes on with the next ones (a shorter, lower-ranked passage slips in), and compares with < instead of <=."""
# %% prompt_answer
def build_prompt(question: str, passages: list[str], max_chars: int) -> str:
    """資料を順位の順に、全体が max_chars 文字以下に収まるあいだだけ入れたプロンプトを返します。"""
    head = "次の資料を使って質問に答えてください。\n"
    tail = f"質問: {question}\n答え:"
    body = ""
    number = 1
    for passage in passages:
        line = f"[{number}] {passage}\n"
        if len(head) + len(body) + len(line) + len(tail) < max_chars:
            body += line
            number += 1
    return head + body + tail

"""viterbi が貪欲法 (greedy): 各位置で「連接コスト + 生起コスト」がいちばん安い語を選んで進む。先の語とのつながりを考えない。"""
# %% viterbi_answer
def viterbi(lattice: list, n: int, connection: dict):
    """位置 0 から n までのコスト最小の経路を (コスト, 表層形の list) で返します。同じコストなら語の少ない経路。経路がなければ None。"""
    lattice = [Word(*t) for t in lattice]  # 5 つ組の tuple を名前付きタプルに
    position, previous, total, path = 0, "BOS", 0, []
    while position < n:
        options = [w for w in lattice if w.start == position]
        if not options:
            return None
        word = min(options, key=lambda w: connection[(previous, w.pos)] + w.cost)
        total += connection[(previous, word.pos)] + word.cost
        position, previous = word.end, word.pos
        path.append(word.surface)
    return total + connection[(previous, "EOS")], path

"""Short Japanese texts written for the course, used as examples in chapters and exercises.

Every text here is original (written for 「LLMの仕組み」), so it can be printed, counted and
modified freely. Paragraphs are separated by a blank line; each sentence ends with 。

- :data:`SHOTENGAI`: 駅前の商店街と看板猫の一日 (four paragraphs, about 400 characters).
  Some nouns repeat on purpose (商店街, 猫, パン屋, 魚屋, 本屋...), so that word
  frequencies (単語の出現頻度) show something.
"""
from __future__ import annotations

import re

SHOTENGAI = """\
駅の北口を出ると、古い商店街がまっすぐ続いています。朝はパン屋が最初に店を開け、焼きたてのパンの香りが通りに広がります。八百屋の主人は大きな声で野菜の値段を読み上げ、魚屋の前には仕入れたばかりの魚が並びます。

昼になると、商店街は買い物客でにぎわいます。肉屋のコロッケは一個八十円で、学校帰りの子どもたちにも人気です。店の人は常連の客の顔と名前を覚えていて、野菜の選び方や魚の食べ方を教えてくれます。

夕方、商店街の奥にある本屋の前で、一匹の猫が昼寝をしています。猫は本屋の看板猫で、客が来ると少しだけ顔を上げます。本屋の主人によると、猫は毎朝パン屋の前を通り、魚屋の前で長く立ち止まるそうです。

最近は駅の南口に大きなスーパーができ、商店街の店は少しずつ減っています。それでも、商店街の人たちは毎月一回、通りで小さな市を開いています。市の日には、パン屋も八百屋も魚屋も店の前に机を出し、猫もいつもより忙しそうに歩き回ります。
"""

_ENDS = "。！？!?"
_OPEN = "「『（("
_CLOSE = "」』）)"


def paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text`` (separated by blank lines), stripped, without empty ones."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: each ends with 。！？ (or ! ?) outside brackets.

    A 。 inside 「」 does not end the sentence (「こんにちは。」と言いました。 is one
    sentence). Line breaks end a sentence too; whitespace around sentences is removed, and
    a last piece without a final punctuation mark is kept as a sentence of its own.

    >>> sentences("猫が来ました。「こんにちは。」と言いました。\\nまた来てね")
    ['猫が来ました。', '「こんにちは。」と言いました。', 'また来てね']
    """
    out: list[str] = []
    for line in text.splitlines():
        depth = 0
        current = ""
        for ch in line:
            current += ch
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(0, depth - 1)
            elif ch in _ENDS and depth == 0:
                if current.strip():
                    out.append(current.strip())
                current = ""
        if current.strip():
            out.append(current.strip())
    return out

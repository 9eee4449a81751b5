"""夏目漱石『吾輩は猫である』: the course's real-text corpus, cleaned and split by position in the book.

Every language model of the course (N-gram, RNN, GPT) is trained on the same training text and
measured in bits per character on the same held-out text, so the reader can compare them. That text
is the whole novel (public domain; Aozora Bunko card 789), shipped in the package as
``data/wagahai.txt`` with its data card ``data/wagahai.md`` (source, licence, the Aozora colophon,
what was cleaned). One paragraph per line; a line ``# 一`` starts each of the novel's 11 chapters.

The split is by position, never by shuffled sentences, so that no held-out sentence is in training:

========  ===============  =========================================
split     chapters (章)    why
========  ===============  =========================================
train     一 〜 九           everything a model may learn from
dev       十                tuning (smoothing weights, learning rates)
test      十一              the final, held-out measurement
========  ===============  =========================================

Use::

    >>> from llm_shikumi import novel
    >>> train = novel.load_split("train")     # list[str], one paragraph per item
    >>> test_text = novel.split_text("test")  # str, paragraphs joined by "\\n"

Rebuild ``data/wagahai.txt`` from the Aozora file (needed only when the cleaning changes)::

    python -m llm_shikumi.novel --build ../shared/corpora/wagahaiwa_nekodearu.txt
"""
from __future__ import annotations

import argparse
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
NOVEL_PATH = DATA_DIR / "wagahai.txt"

CHAPTER_PREFIX = "# "
CHAPTERS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一")
SPLITS: dict[str, tuple[str, ...]] = {
    "train": CHAPTERS[:9],
    "dev": ("十",),
    "test": ("十一",),
}
# A character that Aozora could not encode (外字, gaiji) becomes this mark, the one Japanese
# typesetting uses for a missing glyph (〓, ゲタ).
GAIJI_MARK = "〓"

_HEADING = re.compile(r"^［＃[０-９0-9]+字下げ］(.+?)［＃「.+?」は中見出し］$")
_GAIJI = re.compile(r"※［＃[^］]*］")
_ANNOTATION = re.compile(r"［＃[^］]*］")
_RUBY = re.compile(r"《[^》]*》")


def clean_line(line: str) -> str:
    """One line of Aozora text without its notation.

    Ruby 《…》 and its start mark ｜ go; gaiji ※［＃…］ become 〓; other ［＃…］ annotations go;
    the 〔…〕 around accent-decomposed European words go (their content stays); the indent
    (full-width spaces) at the start goes. Everything else (新字新仮名, punctuation) stays as it is.

    >>> clean_line("　吾輩《わがはい》は一番｜獰悪《どうあく》な［＃「獰悪」に傍点］種族")
    '吾輩は一番獰悪な種族'
    """
    line = _RUBY.sub("", line)
    line = line.replace("｜", "")
    line = _GAIJI.sub(GAIJI_MARK, line)
    line = _ANNOTATION.sub("", line)
    line = line.replace("〔", "").replace("〕", "")
    return line.strip().lstrip("\u3000").strip()


def clean_aozora(raw: str) -> str:
    """The cleaned novel: ``# 章`` heading lines and one paragraph per line, header and colophon cut."""
    lines = raw.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    started = False
    for line in lines:
        if line.startswith("底本："):  # the colophon: kept in the data card, not in the text
            break
        heading = _HEADING.match(line)
        if heading:
            started = True
            out.append(CHAPTER_PREFIX + heading.group(1))
            continue
        if not started:  # title, author and Aozora's notation legend
            continue
        text = clean_line(line)
        if text:
            out.append(text)
    return "\n".join(out) + "\n"


def build(source: str | Path, path: Path = NOVEL_PATH) -> Path:
    """Write the cleaned novel to ``path`` from the Aozora file ``source``."""
    raw = Path(source).read_bytes().decode("utf-8")
    path.write_text(clean_aozora(raw), encoding="utf-8")
    return path


@lru_cache(maxsize=2)
def _chapters(path: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    chapters: list[tuple[str, list[str]]] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith(CHAPTER_PREFIX):
            chapters.append((line[len(CHAPTER_PREFIX):], []))
        elif line:
            chapters[-1][1].append(line)
    return tuple((title, tuple(paras)) for title, paras in chapters)


def load_chapters(path: str | Path = NOVEL_PATH) -> dict[str, list[str]]:
    """The novel's chapters in order: ``{"一": [paragraph, ...], ..., "十一": [...]}``."""
    return {title: list(paras) for title, paras in _chapters(str(path))}


def load_split(split: str, path: str | Path = NOVEL_PATH) -> list[str]:
    """The paragraphs of one split (``"train"``, ``"dev"`` or ``"test"``), in the book's order."""
    if split not in SPLITS:
        raise ValueError(f"split は {sorted(SPLITS)} のどれかです（{split!r} が渡されました）")
    chapters = load_chapters(path)
    return [p for title in SPLITS[split] for p in chapters[title]]


def split_text(split: str, path: str | Path = NOVEL_PATH) -> str:
    """One split as a single string: its paragraphs, each followed by ``"\\n"``.

    This is the text that bits per character are measured on (:mod:`llm_shikumi.lm_eval`): a model
    predicts every character of every paragraph and the line break that ends it.
    """
    return "".join(p + "\n" for p in load_split(split, path))


def load_sentences(split: str, path: str | Path = NOVEL_PATH) -> list[str]:
    """The sentences of one split (split at 。！？ outside 「」, see :func:`llm_shikumi.texts.sentences`)."""
    from llm_shikumi.texts import sentences

    return [s for p in load_split(split, path) for s in sentences(p)]


def normalize(sentence: str) -> str:
    """A sentence reduced for comparison: NFKC, no whitespace, no punctuation or brackets.

    Used by the tests to prove that no test or dev sentence occurs in training even after this
    normalisation (so the split cannot leak through a variant in spacing or width).
    """
    s = unicodedata.normalize("NFKC", sentence)
    return "".join(ch for ch in s if not (ch.isspace() or unicodedata.category(ch)[0] in "PZ"))


def main() -> None:  # pragma: no cover - a maintenance command
    parser = argparse.ArgumentParser(description="『吾輩は猫である』のクリーニング済みコピーを作り直します。")
    parser.add_argument("--build", metavar="AOZORA_TXT", required=True,
                        help="青空文庫のファイル（例: ../shared/corpora/wagahaiwa_nekodearu.txt）")
    args = parser.parse_args()
    path = build(args.build)
    chapters = load_chapters(path)
    for name, titles in SPLITS.items():
        n = sum(len(p) + 1 for t in titles for p in chapters[t])
        print(f"{name:5s} 章 {titles[0]}〜{titles[-1]}: {n:,} 文字")


if __name__ == "__main__":  # pragma: no cover
    main()

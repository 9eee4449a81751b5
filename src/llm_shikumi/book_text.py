"""This book's own Japanese prose, as sentences: the second class of chapter 09's classification task.

Chapter 09 fine-tunes a tiny BERT to tell sentences of 『吾輩は猫である』 from sentences of this book's
explanations. The sentences come from the Markdown cells of the chapters (the book's text, CC BY 4.0),
taken out by :func:`extract` and shipped as a snapshot in ``data/book_prose.json`` (one list of
sentences per chapter), so that the chapter runs the same on Colab, where the other chapters are not
on disk. Chapter 09 itself is never in the snapshot.

What :func:`extract` keeps: sentences of running prose, NFKC-normalised, after removing bold marks,
links (their text stays) and English glosses in brackets such as ``（vocabulary）``; it drops headings,
tables, code, formulas, sentences still containing Markdown or roles (`` {glue:text} ``, ``$``...),
sentences with Latin letters, and sentences shorter than 8 characters. Whitespace is removed, as the
novel has none. Rebuild the snapshot after the chapters change::

    python -m llm_shikumi.book_text chapters/*.ipynb
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from llm_shikumi.texts import sentences

DATA_PATH = Path(__file__).resolve().parent / "data" / "book_prose.json"

_FENCE = re.compile(r"```.*?```", re.S)
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_GLOSS = re.compile(r"\s*[（(][^（）()]*[A-Za-z][^（）()]*[）)]")
_MARKUP = re.compile(r"[`$\\{}<>\[\]|*#_=~^]|https?:")
_LIST_ITEM = re.compile(r"^([-*+]|\d+\.)\s+")
MIN_CHARS = 8


def _clean_block(block: str) -> str:
    """One Markdown paragraph or list item as plain text (lines joined, bold and links unwrapped)."""
    text = "".join(line.strip() for line in block.splitlines())
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = _GLOSS.sub("", text)
    return unicodedata.normalize("NFKC", text)


def prose_sentences(markdown: str) -> list[str]:
    """The sentences of running prose in one Markdown cell (see the module docstring for what is kept)."""
    markdown = _DISPLAY_MATH.sub("\n\n", _FENCE.sub("\n\n", markdown))
    blocks: list[str] = []
    current: list[str] = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "|", ">", ":")) or _LIST_ITEM.match(stripped):
            if current:
                blocks.append("\n".join(current))
            current = []
            if _LIST_ITEM.match(stripped):
                current = [_LIST_ITEM.sub("", stripped)]
            continue
        current.append(stripped)
    if current:
        blocks.append("\n".join(current))
    out = []
    for block in blocks:
        for s in sentences(_clean_block(block)):
            s = re.sub(r"\s+", "", s)
            if len(s) >= MIN_CHARS and not _MARKUP.search(s) and not re.search(r"[A-Za-z]", s):
                out.append(s)
    return out


def extract(notebooks: Iterable[str | Path]) -> dict[str, list[str]]:
    """``{chapter stem: sentences}`` from the Markdown cells of ``notebooks`` (chapter 09 is skipped)."""
    out: dict[str, list[str]] = {}
    for path in sorted(Path(p) for p in notebooks):
        if path.stem.startswith("09"):
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        found = [s for c in cells if c["cell_type"] == "markdown" for s in prose_sentences("".join(c["source"]))]
        out[path.stem] = list(dict.fromkeys(found))  # a sentence repeated in one chapter counts once
    return out


def load(path: str | Path = DATA_PATH) -> dict[str, list[str]]:
    """The shipped snapshot: ``{chapter stem: sentences}`` in chapter order."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a maintenance command
    notebooks = (argv if argv is not None else sys.argv[1:])
    if not notebooks:
        raise SystemExit("usage: python -m llm_shikumi.book_text chapters/*.ipynb")
    data = extract(notebooks)
    DATA_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    for stem, found in data.items():
        print(f"{stem}: {len(found)} sentences")


if __name__ == "__main__":  # pragma: no cover
    main()


def keep(sentence: str) -> str | None:
    """``sentence`` in the snapshot's form (NFKC, no whitespace), or ``None`` when the snapshot's filter
    would drop it (Markdown-like characters, Latin letters, fewer than :data:`MIN_CHARS` characters).
    Applied to the novel's sentences too, so that the two classes differ in their words, not their format."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", sentence))
    if len(s) < MIN_CHARS or _MARKUP.search(s) or re.search(r"[A-Za-z]", s):
        return None
    return s


TRAIN_CHAPTERS = ("01", "02", "03", "04", "05", "06")  # the book's chapters whose prose is training data


def novel_vs_book(seed: int = 0) -> dict[str, tuple[list[str], list[int]]]:
    """Chapter 09's classification data: ``{"train": (sentences, labels), "test": (...)}``, label 0 = novel, 1 = book.

    Book sentences: chapters :data:`TRAIN_CHAPTERS` for training, the later chapters for testing. Novel
    sentences: drawn (with ``seed``) from the novel's train split for training and from its test split
    (chapter 十一) for testing, as many as the book has in each part, so both classes are balanced.
    No sentence is in both parts (compared after :func:`llm_shikumi.novel.normalize`).
    """
    import random

    from llm_shikumi import novel

    prose = load()
    book = {part: [s for stem, found in prose.items() for s in found
                   if stem.startswith(TRAIN_CHAPTERS) == (part == "train")] for part in ("train", "test")}
    rng = random.Random(seed)
    out: dict[str, tuple[list[str], list[int]]] = {}
    seen: set[str] = set()
    for part, split in (("train", "train"), ("test", "test")):
        pool = [s for s in dict.fromkeys(keep(x) for x in novel.load_sentences(split)) if s is not None]
        cat = rng.sample(pool, len(book[part]))
        sentences = [s for s in cat + book[part] if novel.normalize(s) not in seen]
        labels = [0 if i < len(cat) else 1 for i, s in enumerate(cat + book[part]) if novel.normalize(s) not in seen]
        if part == "train":
            seen = {novel.normalize(s) for s in sentences}
        out[part] = (sentences, labels)
    return out

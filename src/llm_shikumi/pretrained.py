"""Pretrained Japanese word vectors: chiVe, as shipped inside the PyPI package ja-ginza.

chiVe (Works Applications, Apache-2.0) is a set of Japanese word2vec vectors trained on the
NWJC web corpus (about 100 million web pages), with words segmented by Sudachi. The GiNZA
model package ``ja-ginza`` (MIT; its vectors come from chiVe) contains a pruned copy:
the 20,000 most frequent words, 300 dimensions each. It is an ordinary ``pip install``
(no download at run time), which makes it usable in an offline book build.

We read the vector files directly instead of loading the whole spaCy pipeline
(parser, NER, ...): it is faster and needs far less memory. The package's ``vocab/``
folder holds

- ``vectors``: a NumPy ``.npy`` array of shape (20000, 300), float32;
- ``key2row``: msgpack ``{key: row}`` for 480,443 keys. The first 20,000 entries map to
  rows 0..19999 in order: they are the words the vectors belong to, most frequent first.
  The other 460,000 keys are rarer words that spaCy's ``prune_vectors`` pointed at the
  row of a similar frequent word; we leave them out;
- ``strings.json``: every string of the vocabulary; a key is spaCy's 64-bit hash of its
  string (``spacy.strings.hash_string``).

Words are Sudachi's 正規化形 (normalized forms): する is 為る, いる is 居る, but 王, 女王,
東京, パリ are themselves.

    >>> from llm_shikumi.pretrained import load_chive
    >>> chive = load_chive()                   # WordVectors, 20000 words x 300 dims
    >>> chive.analogy("王", "男", "女")[:1]     # doctest: +SKIP
"""
from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from llm_shikumi.word2vec.vectors import WordVectors

PACKAGE = "ja_ginza"
PIP_NAME = "ja-ginza==5.3.0"


class PretrainedNotAvailable(ImportError):
    """The package with the pretrained vectors is not installed."""


def chive_vocab_dir() -> Path:
    """The ``vocab/`` folder of the installed ja_ginza model (vectors, key2row, strings.json)."""
    importlib.invalidate_caches()  # finds a package pip-installed into the running kernel (Colab)
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise PretrainedNotAvailable(
            f"chiVe の単語ベクトルは PyPI パッケージ ja-ginza に入っています。"
            f"`pip install {PIP_NAME}` でインストールしてください "
            f"(the chiVe vectors ship in the ja-ginza package; install it with pip install {PIP_NAME})."
        )
    root = Path(spec.origin).parent
    candidates = sorted(root.glob("ja_ginza-*/vocab/vectors"))
    if not candidates:
        raise PretrainedNotAvailable(f"no vectors found under {root} (ja_ginza-*/vocab/vectors)")
    return candidates[-1].parent


@lru_cache(maxsize=2)
def load_chive(max_words: int | None = None) -> WordVectors:
    """chiVe's vectors of ja-ginza as :class:`~llm_shikumi.word2vec.vectors.WordVectors`
    (20,000 words x 300 dims; ``max_words`` keeps only the most frequent ones).
    Takes a few seconds the first time (importing spaCy's hash function dominates), then is cached.

    Raises :class:`PretrainedNotAvailable` (an ``ImportError``) when ja-ginza is not installed."""
    import srsly  # a dependency of spaCy, so present whenever ja-ginza is
    from spacy.strings import hash_string

    vocab_dir = chive_vocab_dir()
    vectors = np.load(vocab_dir / "vectors")  # (20000, 300) float32
    key2row: dict[int, int] = srsly.read_msgpack(vocab_dir / "key2row")
    n_rows = vectors.shape[0]
    keys = []
    for row, (key, r) in enumerate(key2row.items()):
        if row == n_rows:
            break
        if r != row:
            raise ValueError(f"unexpected key2row layout in {vocab_dir}: entry {row} points at row {r}")
        keys.append(key)
    wanted = set(keys)
    strings = json.loads((vocab_dir / "strings.json").read_text(encoding="utf-8"))
    key_to_word = {}
    for s in strings:
        h = hash_string(s)
        if h in wanted:
            key_to_word[h] = s
    words = [key_to_word.get(k) for k in keys]
    keep = [i for i, w in enumerate(words) if w is not None]  # every key has its string in practice
    if max_words is not None:
        keep = keep[:max_words]
    return WordVectors([words[i] for i in keep], vectors[keep], name="chiVe (ja-ginza)")  # (N, 300)


def chive_available() -> bool:
    """True when ja-ginza is installed (without loading anything)."""
    try:
        chive_vocab_dir()
    except PretrainedNotAvailable:
        return False
    return True

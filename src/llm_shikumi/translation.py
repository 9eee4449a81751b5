"""A generated English→Japanese translation task (chapters 06 and 07).

Simple English sentences and their Japanese translations, both written as space-separated words,
e.g. ``"I love cats"`` → ``"私 は 猫 が 好き です"``. The grammar is small but makes the model learn
what machine translation must learn:

- word order changes: English is SVO (subject, verb, object), Japanese SOV; time and place phrases
  move from the end of the English sentence to before the verb in Japanese;
- particles appear that English does not have (は, を, が, で, に, と, の), and which particle marks the
  object depends on the verb (「猫 **が** 好き」 but 「猫 **を** 見 ます」);
- some English words have no Japanese counterpart (the, a, in, at, on) and some English forms
  collapse (``eat`` / ``eats`` → 食べ ます);
- lengths vary: optional adverbs, adjectives, possessors, place and time phrases give source
  sentences of 3 to 15 words.

Everything is generated from a fixed seed; :func:`make_dataset` returns a train split, a dev split
(for learning curves) and a held-out test split; no English sentence occurs in two splits.

- :class:`Vocab` -- word ↔ id with ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, ``<unk>`` = 3
- :func:`generate_pair`, :func:`generate_pairs`, :func:`make_dataset`
- :func:`encode_batch` -- lists of sentences → padded id tensors (with lengths)
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import torch

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3

# --------------------------------------------------------------------------- the lexicon
# subjects: (English words, Japanese words, third person singular?)
SUBJECTS = [
    ("I", "私", False), ("you", "あなた", False), ("he", "彼", True), ("she", "彼女", True),
    ("we", "私たち", False), ("they", "彼ら", False),
    ("my brother", "私 の 兄", True), ("my sister", "私 の 姉", True),
    ("the teacher", "先生", True), ("the students", "学生たち", False),
    ("my friend", "私 の 友達", True), ("the children", "子供たち", False),
]
# nouns by kind: English plural (used as a generic object) → Japanese
NOUNS = {
    "animal": [("cats", "猫"), ("dogs", "犬"), ("birds", "鳥"), ("horses", "馬"), ("rabbits", "うさぎ")],
    "food": [("apples", "りんご"), ("bread", "パン"), ("fish", "魚"), ("rice", "ご飯"),
             ("cakes", "ケーキ"), ("oranges", "みかん")],
    "text": [("books", "本"), ("letters", "手紙"), ("newspapers", "新聞"), ("poems", "詩")],
    "thing": [("flowers", "花"), ("pictures", "絵"), ("cars", "車"), ("shoes", "靴")],
}
ADJECTIVES = [("big", "大きい"), ("small", "小さい"), ("red", "赤い"), ("white", "白い"),
              ("old", "古い"), ("new", "新しい"), ("beautiful", "きれい な"), ("cheap", "安い"),
              ("cute", "かわいい"), ("fresh", "新鮮 な")]
ADJ_OK = {  # which adjectives fit which kind of noun
    "animal": ["big", "small", "white", "old", "cute"],
    "food": ["big", "small", "fresh", "cheap"],
    "text": ["old", "new", "small", "beautiful", "cheap"],
    "thing": ["big", "small", "red", "white", "old", "new", "beautiful", "cheap"],
}
# verbs: (base, 3rd person singular, Japanese verb words, object particle, object kinds, action?)
VERBS = [
    ("love", "loves", "好き です", "が", ["animal", "food", "text", "thing"], False),
    ("like", "likes", "好き です", "が", ["animal", "food", "text", "thing"], False),
    ("eat", "eats", "食べ ます", "を", ["food"], True),
    ("buy", "buys", "買い ます", "を", ["food", "text", "thing"], True),
    ("read", "reads", "読み ます", "を", ["text"], True),
    ("see", "sees", "見 ます", "を", ["animal", "thing"], True),
    ("draw", "draws", "描き ます", "を", ["animal", "thing"], True),
    ("wash", "washes", "洗い ます", "を", ["animal", "thing"], True),
]
ADVERBS = [("often", "よく"), ("sometimes", "ときどき"), ("always", "いつも"), ("never", None)]
PLACES = [("the park", "公園"), ("the library", "図書館"), ("the garden", "庭"), ("the station", "駅"),
          ("the kitchen", "台所"), ("school", "学校")]
PLACE_ADJ = [("big", "大きい"), ("small", "小さい"), ("old", "古い"), ("new", "新しい")]
TIMES = [("every day", "毎日"), ("every morning", "毎朝"), ("on sunday", "日曜日 に"),
         ("in the evening", "夕方"), ("after school", "放課後")]
COMPANIONS = [("with my friend", "私 の 友達 と"), ("with the children", "子供たち と"),
              ("with my mother", "私 の 母 と")]


@dataclass(frozen=True)
class Pair:
    """One sentence pair, each side a list of words."""

    en: tuple[str, ...]
    ja: tuple[str, ...]


def generate_pair(rng: random.Random) -> Pair:
    """One random English sentence and its Japanese translation.

    English:  S [adverb] V [adj] [adj] O [with …] [in/at place] [time]
    Japanese: S は [time] [place で] [… と] [adverb] [adj] [adj] O (が|を) V
    """
    s_en, s_ja, third = rng.choice(SUBJECTS)
    base, third_form, v_ja, particle, kinds, action = rng.choice(VERBS)
    kind = rng.choice(kinds)
    o_en, o_ja = rng.choice(NOUNS[kind])
    n_adj = rng.choices([0, 1, 2], weights=[3, 3, 2])[0]
    adjs = rng.sample([a for a in ADJECTIVES if a[0] in ADJ_OK[kind]], n_adj)
    if {a for a, _ in adjs} in ({"big", "small"}, {"old", "new"}):  # no "small big cats"
        adjs = adjs[:1]
    adverbs = ADVERBS if action else [a for a in ADVERBS if a[0] != "never"]
    adverb = rng.choice(adverbs) if rng.random() < 0.4 else None
    companion = place = time = None
    if action:
        companion = rng.choice(COMPANIONS) if rng.random() < 0.25 else None
        if rng.random() < 0.5:
            p_en, p_ja = rng.choice(PLACES)
            if p_en.startswith("the ") and rng.random() < 0.4:
                a_en, a_ja = rng.choice(PLACE_ADJ)
                p_en, p_ja = f"the {a_en} {p_en[4:]}", f"{a_ja} {p_ja}"
            prep = "at" if p_en.endswith(("school", "station")) else "in"
            place = (f"{prep} {p_en}", f"{p_ja} で")
        if rng.random() < 0.35:
            time = rng.choice(TIMES)

    verb_en = third_form if third else base
    # "never" makes the Japanese verb negative (決して … ません)
    if adverb is not None and adverb[0] == "never":
        v_ja_final = v_ja.replace("ます", "ません")
        adv_ja = "決して"
    else:
        v_ja_final = v_ja
        adv_ja = adverb[1] if adverb else None

    en = [s_en]
    if adverb:
        en.append(adverb[0])
    en += [verb_en] + [a for a, _ in adjs] + [o_en]
    for extra in (companion, place, time):
        if extra:
            en.append(extra[0])
    ja = [s_ja, "は"]
    for extra in (time, place, companion):
        if extra:
            ja.append(extra[1])
    if adv_ja:
        ja.append(adv_ja)
    ja += [j for _, j in adjs] + [o_ja, particle, v_ja_final]
    return Pair(tuple(" ".join(en).split()), tuple(" ".join(ja).split()))


def generate_pairs(n: int, seed: int = 0) -> list[Pair]:
    """``n`` distinct random pairs (distinct English sides), in generation order."""
    rng = random.Random(seed)
    seen: set[tuple[str, ...]] = set()
    pairs: list[Pair] = []
    attempts = 0
    while len(pairs) < n:
        attempts += 1
        if attempts > 50 * n + 1000:
            raise ValueError(f"could not generate {n} distinct sentences")
        pair = generate_pair(rng)
        if pair.en not in seen:
            seen.add(pair.en)
            pairs.append(pair)
    return pairs


@dataclass
class Dataset:
    """The train, dev and held-out (test) pairs and the two vocabularies (built from train only)."""

    train: list[Pair]
    test: list[Pair]
    src_vocab: "Vocab"
    tgt_vocab: "Vocab"
    dev: list[Pair] = field(default_factory=list)


def make_dataset(n_train: int = 6000, n_test: int = 1000, seed: int = 0, n_dev: int = 500) -> Dataset:
    """Generate ``n_train + n_test + n_dev`` distinct pairs and split them (train, test, dev, in that
    order): no English sentence occurs in two splits. Vocabularies come from the train split."""
    pairs = generate_pairs(n_train + n_test + n_dev, seed)
    train, test, dev = pairs[:n_train], pairs[n_train:n_train + n_test], pairs[n_train + n_test:]
    return Dataset(train, test, Vocab.build(p.en for p in train), Vocab.build(p.ja for p in train), dev)


class Vocab:
    """Word ↔ id. Ids 0–3 are ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>``; then words by first occurrence."""

    def __init__(self, words: Sequence[str]):
        self.itos: list[str] = list(SPECIALS) + [w for w in words if w not in SPECIALS]
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("duplicate words in vocabulary")

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]]) -> "Vocab":
        words: dict[str, None] = {}
        for sentence in sentences:
            for w in sentence:
                words.setdefault(w, None)
        return cls(list(words))

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def encode(self, words: Sequence[str], add_bos: bool = False, add_eos: bool = False) -> list[int]:
        ids = [self.stoi.get(w, UNK_ID) for w in words]
        return ([BOS_ID] if add_bos else []) + ids + ([EOS_ID] if add_eos else [])

    def decode(self, ids: Iterable[int], strip: bool = True) -> list[str]:
        """Ids → words; with ``strip`` stops at the first ``<eos>`` and drops ``<pad>``/``<bos>``."""
        words = []
        for i in ids:
            i = int(i)
            if strip and i == EOS_ID:
                break
            if strip and i in (PAD_ID, BOS_ID):
                continue
            words.append(self.itos[i] if 0 <= i < len(self.itos) else UNK)
        return words


def pad_sequences(seqs: Sequence[Sequence[int]], pad_id: int = PAD_ID) -> torch.Tensor:
    """Lists of ids → a (B, T_max) long tensor, right-padded with ``pad_id``."""
    T = max((len(s) for s in seqs), default=0)
    rows = [list(s) + [pad_id] * (T - len(s)) for s in seqs]
    return torch.tensor(rows, dtype=torch.long).view(len(seqs), T)  # (B, T)


def encode_batch(pairs: Sequence[Pair], src_vocab: Vocab, tgt_vocab: Vocab):
    """Pairs → ``(src (B, S), src_lengths (B,), tgt (B, T+2))``.

    ``src`` holds the English ids (no special tokens); ``tgt`` is ``<bos> ja… <eos>`` padded; the
    decoder input is ``tgt[:, :-1]`` and its target ``tgt[:, 1:]`` (teacher forcing).
    """
    src_ids = [src_vocab.encode(p.en) for p in pairs]
    tgt_ids = [tgt_vocab.encode(p.ja, add_bos=True, add_eos=True) for p in pairs]
    lengths = torch.tensor([len(s) for s in src_ids], dtype=torch.long)  # (B,)
    return pad_sequences(src_ids), lengths, pad_sequences(tgt_ids)


__all__ = [
    "BOS", "BOS_ID", "EOS", "EOS_ID", "PAD", "PAD_ID", "SPECIALS", "UNK", "UNK_ID",
    "Dataset", "Pair", "Vocab", "encode_batch", "generate_pair", "generate_pairs", "make_dataset",
    "pad_sequences",
]

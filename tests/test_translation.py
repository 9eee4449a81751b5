"""Tests of llm_shikumi.translation: the generated English→Japanese task."""
from __future__ import annotations

import random

import torch

from llm_shikumi.translation import (
    BOS_ID, EOS_ID, PAD_ID, UNK_ID, Pair, Vocab, encode_batch, generate_pair, generate_pairs, make_dataset,
)


def test_fixed_seed_is_reproducible_and_seeds_differ():
    assert generate_pairs(50, seed=3) == generate_pairs(50, seed=3)
    assert generate_pairs(50, seed=3) != generate_pairs(50, seed=4)


def test_held_out_sentences_never_occur_in_train():
    ds = make_dataset(n_train=3000, n_test=500, seed=1, n_dev=200)
    assert len(ds.train) == 3000 and len(ds.test) == 500 and len(ds.dev) == 200
    train_en, dev_en = {p.en for p in ds.train}, {p.en for p in ds.dev}
    assert not any(p.en in train_en or p.en in dev_en for p in ds.test)
    assert not any(p.en in train_en for p in ds.dev)
    assert len(train_en) == 3000  # distinct
    # the test split does not depend on the size of the dev split
    assert make_dataset(n_train=3000, n_test=500, seed=1, n_dev=0).test == ds.test


def test_lengths_span_short_and_long_sentences():
    lengths = [len(p.en) for p in generate_pairs(3000, seed=0)]
    assert min(lengths) == 3 and max(lengths) >= 15


class ScriptedRng:
    """Stands in for random.Random: always picks the ``pick``-th option, ``random()`` returns ``r``."""

    def __init__(self, pick=0, r=0.99, n_adj=0):
        self.pick, self.r, self.n_adj = pick, r, n_adj

    def choice(self, seq):
        return seq[min(self.pick, len(seq) - 1)]

    def choices(self, population, weights=None):
        return [self.n_adj]

    def sample(self, seq, k):
        return list(seq)[:k]

    def random(self):
        return self.r


def test_the_seed_example():
    p = generate_pair(ScriptedRng())
    assert p.en == ("I", "love", "cats")
    assert p.ja == ("私", "は", "猫", "が", "好き", "です")


def test_simple_sentences_are_svo_to_sov_with_particles():
    rng = random.Random(0)
    seen = 0
    for _ in range(5000):
        p = generate_pair(rng)
        if len(p.en) == 3:  # "S V O" with a one-word subject, nothing else
            verb = p.en[1]
            assert p.ja[1] == "は", p  # topic particle after the subject
            if verb in ("love", "loves", "like", "likes"):
                assert p.ja[-3:] == ("が", "好き", "です"), p
            else:
                assert p.ja[-3] == "を" and p.ja[-1] == "ます", p  # object particle, verb last
            seen += 1
    assert seen > 20


def test_place_and_time_move_before_the_verb():
    rng = random.Random(0)
    pairs = [generate_pair(rng) for _ in range(3000)]
    p = next(p for p in pairs if p.en[-1] == "park")
    assert p.ja.index("公園") < p.ja.index("で") < len(p.ja) - 3
    p = next(p for p in pairs if p.en[-2:] == ("every", "day"))
    assert p.ja[p.ja.index("は") + 1] == "毎日", p  # the time right after the topic
    p = next(p for p in pairs if "never" in p.en)
    assert "決して" in p.ja and p.ja[-1] == "ません", p


def test_vocab_specials_and_round_trip():
    v = Vocab.build([["私", "は", "猫"], ["猫", "が"]])
    assert v.itos[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    assert (PAD_ID, BOS_ID, EOS_ID, UNK_ID) == (0, 1, 2, 3)
    ids = v.encode(["私", "は", "犬"], add_bos=True, add_eos=True)
    assert ids == [BOS_ID, 4, 5, UNK_ID, EOS_ID]
    assert v.decode(ids) == ["私", "は", "<unk>"]
    assert v.decode([4, EOS_ID, 5]) == ["私"]  # stops at <eos>
    assert v.decode([4, EOS_ID, 5], strip=False) == ["私", "<eos>", "は"]


def test_encode_batch_pads_and_adds_bos_eos():
    ds = make_dataset(n_train=200, n_test=10)
    pairs = [Pair(("I", "love", "cats"), ("私", "は", "猫", "が", "好き", "です")),
             Pair(("he", "eats", "fresh", "fish"), ("彼", "は", "新鮮", "な", "魚", "を", "食べ", "ます"))]
    src, lengths, tgt = encode_batch(pairs, ds.src_vocab, ds.tgt_vocab)
    assert src.shape == (2, 4) and src.dtype == torch.long
    assert lengths.tolist() == [3, 4]
    assert src[0, 3].item() == PAD_ID
    assert tgt.shape == (2, 10)
    assert tgt[:, 0].tolist() == [BOS_ID, BOS_ID]
    assert tgt[0, 7].item() == EOS_ID and tgt[0, 8:].tolist() == [PAD_ID, PAD_ID]
    assert ds.tgt_vocab.decode(tgt[1].tolist()) == list(pairs[1].ja)

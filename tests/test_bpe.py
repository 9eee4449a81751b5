"""BPE from scratch (llm_shikumi.bpe) against the `tokenizers` library trained with the same settings."""
from __future__ import annotations

import json

import pytest
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

from llm_shikumi import novel
from llm_shikumi.bpe import PRETOKENIZE_PATTERN, UNK, BPETokenizer, from_byte_symbols, pretokenize, to_byte_symbols


def reference(texts, vocab_size, byte_level=False, min_frequency=0):
    """The library's BPE with our pre-tokenisation: Split (isolated separators), then bytes if asked."""
    tok = Tokenizer(models.BPE(unk_token=UNK))
    steps = [pre_tokenizers.Split(Regex(PRETOKENIZE_PATTERN), behavior="isolated")]
    if byte_level:
        steps.append(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence(steps)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[UNK],
                                  show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if byte_level else [])
    tok.train_from_iterator(texts, trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    return tok, [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in merges]


def test_toy_merges_by_hand():
    """ab occurs 3 times, then abc twice: the first two merges are (a, b) and (ab, c)."""
    bpe = BPETokenizer.train(["abc abc ab"], vocab_size=100)
    assert bpe.merges[:2] == [("a", "b"), ("ab", "c")]
    assert bpe.tokenize("abcab") == ["abc", "ab"]
    assert bpe.vocab[UNK] == 0 and bpe.vocab[" "] == 1  # specials first, then the alphabet by code point


def test_ties_go_to_the_smaller_pair():
    """Every pair occurs once: the pair of the smallest ids (code points) is merged first."""
    bpe = BPETokenizer.train(["dc", "ba"], vocab_size=100)
    assert bpe.merges[0] == ("b", "a")


def test_min_frequency_stops_training():
    bpe = BPETokenizer.train(["aab", "aac"], vocab_size=100, min_frequency=2)
    assert bpe.merges == [("a", "a")]


@pytest.fixture(scope="module")
def train_texts():
    return novel.load_split("train")[:400]


@pytest.mark.parametrize("byte_level, vocab_size", [(False, 2600), (True, 700)])
def test_same_merges_vocab_and_ids_as_tokenizers(train_texts, byte_level, vocab_size):
    ours = BPETokenizer.train(train_texts, vocab_size, byte_level=byte_level)
    theirs, their_merges = reference(train_texts, vocab_size, byte_level=byte_level)
    assert len(ours.merges) > 100, "the test should exercise many merges"
    assert ours.merges == their_merges
    assert ours.vocab == theirs.get_vocab()
    held_out = novel.split_text("test")[:3000]
    assert ours.encode(held_out) == theirs.encode(held_out).ids


def test_byte_level_round_trip_has_no_unknown(train_texts):
    bpe = BPETokenizer.train(train_texts[:50], 400, byte_level=True)
    text = "吾輩は猫である。🐈 Quid aliud?\n"
    assert bpe.decode(bpe.encode(text)) == text
    assert bpe.vocab[UNK] not in bpe.encode(text)


def test_char_level_maps_unseen_characters_to_unk():
    bpe = BPETokenizer.train(["ねこねこ"], 50)
    assert bpe.encode("ねずみ") == [bpe.vocab["ね"], bpe.vocab[UNK], bpe.vocab[UNK]]


def test_byte_symbols_round_trip():
    assert from_byte_symbols(to_byte_symbols("猫 cat\n")) == "猫 cat\n"
    assert len(to_byte_symbols("猫")) == 3


def test_pretokenize_keeps_every_character():
    text = "「ええ」と主人は言った。\nそれから、"
    assert "".join(pretokenize(text)) == text
    assert "。" in pretokenize(text) and "\n" in pretokenize(text)

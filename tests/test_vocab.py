"""Tests of llm_shikumi.vocab: the vocabulary (token <-> ID) and one-hot vectors."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from llm_shikumi.vocab import (
    Vocabulary,
    bag_of_words,
    cosine_similarity_matrix,
    one_hot,
)

SUMOMO = "すもも も もも も もも の うち".split()


def test_first_seen_order_matches_the_lecture_example():
    vocab = Vocabulary.from_tokens(SUMOMO)
    assert vocab.tokens == ("すもも", "も", "もも", "の", "うち")
    assert len(vocab) == 5  # も and もも occur twice but get one ID each
    assert vocab.encode(SUMOMO) == [0, 1, 2, 1, 2, 3, 4]
    assert vocab.decode([0, 1, 2, 1, 2, 3, 4]) == SUMOMO
    assert vocab.index("もも") == 2 and vocab.token(2) == "もも"
    assert vocab.token_to_id["うち"] == 4 and vocab.id_to_token[4] == "うち"
    assert "もも" in vocab and "いちご" not in vocab
    assert list(vocab) == list(vocab.tokens)


def test_counts_and_id_counts():
    vocab = Vocabulary.from_tokens(SUMOMO)
    assert vocab.counts == Counter({"すもも": 1, "も": 2, "もも": 2, "の": 1, "うち": 1})
    assert vocab.id_counts().tolist() == [1, 2, 2, 1, 1]
    vocab.counts["も"] = 100  # a copy
    assert vocab.counts["も"] == 2


def test_list_of_sentences_is_flattened():
    sentences = [["すもも", "も"], ["もも", "も"], []]
    vocab = Vocabulary.from_tokens(sentences)
    assert vocab.tokens == ("すもも", "も", "もも")
    assert vocab.counts["も"] == 2


def test_frequency_order_breaks_ties_by_first_occurrence():
    vocab = Vocabulary.from_tokens(SUMOMO, order="frequency")
    assert vocab.tokens == ("も", "もも", "すもも", "の", "うち")


def test_unknown_without_unk_raises_clear_key_error():
    vocab = Vocabulary.from_tokens(SUMOMO)
    assert vocab.unk_id is None
    with pytest.raises(KeyError, match="いちご.*not in the vocabulary"):
        vocab.encode(["いちご"])


def test_unknown_maps_to_unk_when_it_is_a_special():
    vocab = Vocabulary.from_tokens(SUMOMO, specials=("<unk>",))
    assert vocab.tokens[0] == "<unk>" and vocab.unk_id == 0
    assert vocab.encode(["すもも", "いちご"]) == [1, 0]
    assert vocab.decode([1, 0]) == ["すもも", "<unk>"]


def test_specials_first_and_min_count():
    vocab = Vocabulary.from_tokens(SUMOMO, specials=("<unk>", "<s>", "</s>"), min_count=2)
    assert vocab.tokens == ("<unk>", "<s>", "</s>", "も", "もも")
    assert vocab.encode(["すもも", "も"]) == [0, 3]
    # the unknown token gathers the counts of the tokens left out: すもも, の, うち
    assert vocab.id_counts().tolist() == [3, 0, 0, 2, 2]


def test_special_occurring_in_text_is_not_duplicated():
    vocab = Vocabulary.from_tokens(["<s>", "a", "<s>"], specials=("<s>",))
    assert vocab.tokens == ("<s>", "a")


def test_max_size():
    vocab = Vocabulary.from_tokens(SUMOMO, specials=("<unk>",), order="frequency", max_size=3)
    assert vocab.tokens == ("<unk>", "も", "もも")


def test_empty_input():
    assert len(Vocabulary.from_tokens([])) == 0
    vocab = Vocabulary.from_tokens([], specials=("<unk>",))
    assert vocab.encode(["x"]) == [0]
    assert vocab.encode([]) == []


def test_bad_inputs():
    with pytest.raises(TypeError, match="string"):
        Vocabulary.from_tokens("すもももももももものうち")
    with pytest.raises(TypeError):
        Vocabulary.from_tokens([1, 2])
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.from_tokens(SUMOMO, min_count=0)
    with pytest.raises(ValueError, match="duplicate"):
        Vocabulary(["a", "a"])
    vocab = Vocabulary.from_tokens(SUMOMO)
    with pytest.raises(IndexError, match="out of range"):
        vocab.token(5)
    with pytest.raises(IndexError):
        vocab.token(-1)
    with pytest.raises(TypeError):
        vocab.encode("すもも")


def test_decode_accepts_numpy_and_torch():
    torch = pytest.importorskip("torch")
    vocab = Vocabulary.from_tokens(SUMOMO)
    assert vocab.decode(np.array([4, 0])) == ["うち", "すもも"]
    assert vocab.decode(torch.tensor([4, 0]).numpy()) == ["うち", "すもも"]


def test_one_hot_shape_dtype_and_values():
    m = one_hot([0, 1, 2, 1], size=5)
    assert m.shape == (4, 5) and m.dtype == np.float32
    assert m.tolist() == [
        [1, 0, 0, 0, 0],
        [0, 1, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 1, 0, 0, 0],
    ]
    assert (m.sum(axis=1) == 1).all()
    assert one_hot([3], 5, dtype=int).dtype.kind == "i"
    assert one_hot([], 5).shape == (0, 5)


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    ids = Vocabulary.from_tokens(SUMOMO).encode(SUMOMO)
    expected = torch.nn.functional.one_hot(torch.tensor(ids), num_classes=5).numpy()
    np.testing.assert_array_equal(one_hot(ids, 5, dtype=np.int64), expected)
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50, size=200)
    expected = torch.nn.functional.one_hot(torch.from_numpy(ids), num_classes=50).numpy()
    np.testing.assert_array_equal(one_hot(ids, 50), expected)


def test_one_hot_is_a_row_lookup_of_the_identity():
    ids = [4, 0, 2]
    np.testing.assert_array_equal(one_hot(ids, 5), np.eye(5, dtype=np.float32)[ids])


def test_one_hot_rejects_bad_ids():
    with pytest.raises(ValueError, match="out of range"):
        one_hot([5], 5)
    with pytest.raises(ValueError, match="out of range"):
        one_hot([-1], 5)
    with pytest.raises(TypeError):
        one_hot([0.5], 5)
    with pytest.raises(ValueError):
        one_hot([[0, 1]], 5)


def test_bag_of_words_is_sum_of_one_hots_and_loses_order():
    vocab = Vocabulary.from_tokens(SUMOMO)
    ids = vocab.encode(SUMOMO)
    bow = bag_of_words(ids, len(vocab))
    assert bow.shape == (5,)
    assert bow.tolist() == [1, 2, 2, 1, 1]
    np.testing.assert_array_equal(bow, one_hot(ids, 5).sum(axis=0))
    np.testing.assert_array_equal(bow, bag_of_words(ids[::-1], 5))  # order is lost
    assert bag_of_words(ids, 5, binary=True).tolist() == [1, 1, 1, 1, 1]
    assert bag_of_words([], 5).tolist() == [0, 0, 0, 0, 0]


def test_distinct_one_hots_are_orthogonal_and_sqrt2_apart():
    m = one_hot(range(6), 6)
    sim = cosine_similarity_matrix(m)
    np.testing.assert_allclose(sim, np.eye(6))
    diff = m[:, None, :] - m[None, :, :]  # (6, 6, 6)
    dist = np.linalg.norm(diff, axis=-1)  # (6, 6)
    np.testing.assert_allclose(dist, np.sqrt(2) * (1 - np.eye(6)))


def test_cosine_similarity_matrix_zero_row():
    sim = cosine_similarity_matrix(np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
    np.testing.assert_allclose(sim, [[0, 0, 0], [0, 1, 1], [0, 1, 1]])

"""The N-gram language model of chapter 02, checked against probabilities computed by hand."""
import math

import pytest

from llm_shikumi.ngram import BOS, EOS, UNK, NGramModel, count_ngrams, ngrams, pad

# 3 sentences; with <s>/</s> the bigram counts are
#   (<s>,猫) 2  (<s>,犬) 1  (猫,が) 2  (犬,が) 1  (が,鳴く) 2  (が,走る) 1  (鳴く,</s>) 2  (走る,</s>) 1
# V = {猫, が, 鳴く, 犬, 走る, </s>, <unk>}: |V| = 7
TOY = [["猫", "が", "鳴く"], ["犬", "が", "鳴く"], ["猫", "が", "走る"]]


@pytest.fixture
def bigram():
    return NGramModel(n=2).fit(TOY)


def test_ngrams_are_contiguous_and_count_len_minus_n_plus_1():
    assert ngrams(["a", "b", "c", "d"], 2) == [("a", "b"), ("b", "c"), ("c", "d")]
    assert ngrams(["a", "b", "c", "d"], 3) == [("a", "b", "c"), ("b", "c", "d")]
    assert ngrams(["a", "b", "c"], 1) == [("a",), ("b",), ("c",)]
    assert ngrams(["a", "b"], 3) == []
    assert ngrams([], 2) == []
    with pytest.raises(ValueError):
        ngrams(["a"], 0)


def test_pad_adds_n_minus_1_bos_and_one_eos():
    assert pad(["猫"], 1) == ["猫", EOS]
    assert pad(["猫"], 2) == [BOS, "猫", EOS]
    assert pad(["猫"], 3) == [BOS, BOS, "猫", EOS]
    assert pad([], 2) == [BOS, EOS]


def test_count_ngrams_with_boundaries():
    counts = count_ngrams(TOY, 2)
    assert counts[(BOS, "猫")] == 2
    assert counts[("が", "鳴く")] == 2
    assert counts[("走る", EOS)] == 1
    assert sum(counts.values()) == 3 + 3 + 3 + 3  # (3 words + 1) bigrams per sentence
    assert ("鳴く", "犬") not in count_ngrams(TOY, 2)  # never across sentences
    assert count_ngrams(TOY, 2, padded=False)[(BOS, "猫")] == 0


def test_vocabulary_includes_eos_and_unk_but_not_bos(bigram):
    assert bigram.vocab_size == 7
    assert EOS in bigram.vocab and UNK in bigram.vocab and BOS not in bigram.vocab


def test_mle_bigram_probabilities_by_hand(bigram):
    assert bigram.prob("猫", [BOS]) == pytest.approx(2 / 3)
    assert bigram.prob("猫", []) == pytest.approx(2 / 3)  # an empty context is the sentence start
    assert bigram.prob("犬") == pytest.approx(1 / 3)
    assert bigram.prob("鳴く", ["猫", "が"]) == pytest.approx(2 / 3)  # only the last word matters
    assert bigram.prob("走る", ["が"]) == pytest.approx(1 / 3)
    assert bigram.prob(EOS, ["鳴く"]) == pytest.approx(1.0)
    assert bigram.count("鳴く", ["が"]) == 2


def test_mle_trigram_probabilities_by_hand():
    trigram = NGramModel(n=3).fit(TOY)
    assert trigram.prob("猫", []) == pytest.approx(2 / 3)  # P(猫 | <s> <s>)
    assert trigram.prob("鳴く", ["猫", "が"]) == pytest.approx(1 / 2)
    assert trigram.prob("鳴く", ["犬", "が"]) == pytest.approx(1.0)
    assert trigram.prob("が", ["猫"]) == pytest.approx(1.0)  # P(が | <s> 猫)


def test_add_k_probabilities_by_hand():
    add_one = NGramModel(n=2, k=1).fit(TOY)
    assert add_one.prob("鳴く", ["が"]) == pytest.approx((2 + 1) / (3 + 7))
    assert add_one.prob("犬", ["猫"]) == pytest.approx((0 + 1) / (2 + 7))
    add_half = NGramModel(n=2, k=0.5).fit(TOY)
    assert add_half.prob("猫", []) == pytest.approx((2 + 0.5) / (3 + 0.5 * 7))


def test_unseen_bigram_is_zero_under_mle_and_positive_with_smoothing(bigram):
    assert bigram.prob("犬", ["猫"]) == 0.0
    assert bigram.logprob("犬", ["猫"]) == -math.inf
    assert NGramModel(n=2, k=0.1).fit(TOY).prob("犬", ["猫"]) > 0
    assert bigram.prob("鳥", ["が"]) == 0.0  # unknown word -> <unk>, never seen
    assert NGramModel(n=2, k=1).fit(TOY).prob("鳥", ["が"]) == pytest.approx(1 / 10)


@pytest.mark.parametrize("k", [0.01, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("context", [[], ["が"], ["猫"], ["鳴く"], ["鳥"], ["犬", "が"]])
def test_smoothed_probabilities_over_the_vocabulary_sum_to_one(k, context):
    for n in (1, 2, 3):
        model = NGramModel(n=n, k=k).fit(TOY)
        total = sum(model.prob(w, context) for w in model.vocab)
        assert total == pytest.approx(1.0)
        assert sum(model.next_word_distribution(context).values()) == pytest.approx(1.0)


def test_mle_sums_to_one_for_a_seen_context(bigram):
    assert sum(bigram.next_word_distribution(["が"]).values()) == pytest.approx(1.0)


def test_sentence_logprob_and_perplexity_by_hand(bigram):
    # P(猫|<s>) P(が|猫) P(鳴く|が) P(</s>|鳴く) = 2/3 * 1 * 2/3 * 1
    assert bigram.sentence_logprob(["猫", "が", "鳴く"]) == pytest.approx(math.log(4 / 9))
    assert bigram.perplexity([["猫", "が", "鳴く"]]) == pytest.approx((4 / 9) ** (-1 / 4))
    # two sentences: N = 4 + 4 predicted tokens
    expected = math.exp(-(math.log(4 / 9) + math.log(1 / 3 * 1 * 1 / 3 * 1)) / 8)
    assert bigram.perplexity([["猫", "が", "鳴く"], ["犬", "が", "走る"]]) == pytest.approx(expected)
    # <s> is never followed by </s> in TOY: under MLE the empty sentence is impossible
    assert bigram.sentence_logprob([]) == -math.inf
    assert NGramModel(n=2, k=1).fit(TOY).sentence_logprob([]) == pytest.approx(math.log(1 / 10))


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    for n in (1, 2, 3):
        uniform = NGramModel(n=n, k=1, vocabulary=["猫", "犬", "が", "鳴く"]).fit([])
        assert uniform.vocab_size == 6
        assert uniform.perplexity(TOY + [["鳥", "が"]]) == pytest.approx(6.0)


def test_perplexity_is_infinite_when_mle_sees_an_unseen_bigram(bigram):
    assert bigram.perplexity([["猫", "が", "鳴く"], ["鳴く", "猫"]]) == math.inf


def test_given_vocabulary_maps_other_words_to_unk():
    model = NGramModel(n=2, vocabulary=["猫", "が", "鳴く"]).fit(TOY)
    assert model.vocab_size == 5
    assert model.prob(UNK, []) == pytest.approx(1 / 3)  # 犬 -> <unk>
    assert model.prob("犬", []) == pytest.approx(1 / 3)  # and scored as <unk>
    assert model.prob("が", ["犬"]) == pytest.approx(1 / 2)  # P(が | <unk>): <unk> が, <unk> </s>
    assert model.prob(UNK, ["が"]) == pytest.approx(1 / 3)  # 走る -> <unk>


def test_generation_is_deterministic_with_a_seed():
    model = NGramModel(n=2, k=0.1).fit(TOY)
    first = model.generate(max_len=20, seed=42)
    assert first == model.generate(max_len=20, seed=42)
    samples = {tuple(model.generate(max_len=20, seed=s)) for s in range(20)}
    assert len(samples) > 1  # different seeds, different texts
    assert all(len(s) <= 20 for s in samples)
    assert EOS not in first and BOS not in first


def test_generation_follows_training_ngrams_without_smoothing():
    model = NGramModel(n=2).fit(TOY)
    for seed in range(10):
        words = model.generate(seed=seed)
        assert tuple(words) in {("猫", "が", "鳴く"), ("犬", "が", "鳴く"), ("猫", "が", "走る"), ("犬", "が", "走る")}
    assert model.generate(["犬"], seed=0)[0] == "犬"  # the prefix is kept


def test_greedy_generation_with_temperature_zero():
    model = NGramModel(n=2).fit(TOY)
    assert model.generate(temperature=0) == ["猫", "が", "鳴く"]
    assert model.generate(temperature=0, seed=1) == model.generate(temperature=0, seed=2)


def test_low_temperature_concentrates_on_the_most_likely_word():
    model = NGramModel(n=2).fit(TOY)
    cold = [model.generate(max_len=1, seed=s, temperature=0.05)[0] for s in range(50)]
    assert cold.count("猫") == 50


def test_generation_from_an_unseen_history_needs_smoothing():
    with pytest.raises(ValueError):
        NGramModel(n=2).fit(TOY).generate(["鳥"], seed=0)  # history (<unk>,) never seen
    assert NGramModel(n=2, k=1).fit(TOY).generate(["鳥"], max_len=3, seed=0)[0] == "鳥"


def test_invalid_arguments():
    with pytest.raises(ValueError):
        NGramModel(n=0)
    with pytest.raises(ValueError):
        NGramModel(n=2, k=-1)
    with pytest.raises(ValueError):
        NGramModel(n=2).fit(TOY).perplexity([])


def test_accepts_a_vocabulary_object_and_k_can_change_after_fit():
    from llm_shikumi.vocab import Vocabulary

    vocab = Vocabulary.from_tokens(TOY, min_count=2, specials=("<unk>", "<s>", "</s>"))
    model = NGramModel(n=2, vocabulary=vocab).fit(TOY)
    assert model.vocab == ["猫", "が", "鳴く", EOS, UNK]  # 犬 and 走る occur once -> <unk>
    assert model.prob(UNK, []) == pytest.approx(1 / 3)
    model.k = 1
    assert model.prob("鳴く", ["が"]) == pytest.approx((2 + 1) / (3 + 5))

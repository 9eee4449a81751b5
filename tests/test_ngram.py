"""The N-gram language model of chapter 02, checked against probabilities computed by hand."""
import math
from collections import Counter

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
    assert model.generate(temperature=0, seed=1) == model.generate(temperature=0, seed=2)
    assert all(w in model.vocab for w in model.generate(seed=5, max_len=10))
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


# =========================================================================== models of all orders
from llm_shikumi.ngram import (  # noqa: E402
    AddKNGram,
    InterpolatedNGram,
    KneserNeyNGram,
    continuation_counts,
    count_orders,
    kn_discounts,
)

CONTEXTS = [[], ["が"], ["猫"], ["鳴く"], ["鳥"], ["犬", "が"], ["鳥", "鳥"]]


def test_count_orders_counts_one_mgram_per_predicted_token():
    counts = count_orders(TOY, 3)
    for m, c in enumerate(counts, start=1):
        assert sum(c.values()) == 12, f"order {m}: 3 sentences x (3 words + </s>)"
    assert counts[0][("が",)] == 3 and counts[0][(EOS,)] == 3 and (BOS,) not in counts[0]
    assert counts[1] == count_ngrams(TOY, 2)  # same bigrams as the padded bigram count
    assert counts[2][(BOS, BOS, "猫")] == 2 and counts[2][("が", "鳴く", EOS)] == 2


def test_kn_continuation_counts_by_hand():
    # distinct left neighbours in TOY: 猫 <- <s>; 犬 <- <s>; が <- 猫, 犬; 鳴く <- が; 走る <- が; </s> <- 鳴く, 走る
    cont = continuation_counts(count_orders(TOY, 2)[1])
    assert cont == Counter({("猫",): 1, ("犬",): 1, ("が",): 2, ("鳴く",): 1, ("走る",): 1, (EOS,): 2})
    # が occurs 3 times but after only 2 different words: KN's unigram counts contexts, not occurrences
    assert count_orders(TOY, 1)[0][("が",)] == 3
    model = KneserNeyNGram(n=2).fit(TOY)
    assert [model.continuation_count([w]) for w in ["猫", "が", "鳴く", EOS]] == [1, 2, 1, 2]
    assert model.continuation_count(["が", "鳴く"]) == 2  # the highest order keeps raw counts


def test_kn_probability_by_hand_with_a_fixed_discount():
    model = KneserNeyNGram(n=2).fit(TOY)
    model.discounts = [(0.5, 0.5, 0.5), (0.5, 0.5, 0.5)]  # classic KN, one D = 0.5 for every order
    V = 7
    # unigram level: continuation counts 1,1,2,1,1,2 (total 8); 4 types with count 1, 2 with count 2
    gamma_0 = 0.5 * (4 + 2) / 8
    p1_naku = (1 - 0.5) / 8 + gamma_0 / V
    p1_tori = gamma_0 / V  # 鳥 -> <unk>, never seen: only the uniform share
    # bigram level, h = が: C(が 鳴く) = 2, C(が 走る) = 1, C(が) = 3, γ = 0.5 * 2 / 3
    assert model.prob("鳴く", ["が"]) == pytest.approx((2 - 0.5) / 3 + (0.5 * 2 / 3) * p1_naku)
    assert model.prob("鳥", ["が"]) == pytest.approx((0.5 * 2 / 3) * p1_tori)
    assert model.prob("鳴く", ["鳥"]) == pytest.approx(p1_naku)  # history <unk> unseen: back off


def test_kn_discounts_follow_chen_and_goodman():
    counts = Counter({g: c for g, c in zip(range(100), [1] * 40 + [2] * 20 + [3] * 15 + [4] * 10 + [9] * 15)})
    y = 40 / (40 + 2 * 20)
    assert kn_discounts(counts) == pytest.approx((1 - 2 * y * 20 / 40, 2 - 3 * y * 15 / 20, 3 - 4 * y * 10 / 15))
    assert kn_discounts(Counter({"a": 5})) == (0.5, 1.0, 1.5)  # too few counts: defaults


def test_interpolated_probability_by_hand():
    model = InterpolatedNGram(n=2, lambdas=[0.6, 0.7]).fit(TOY)
    V, T = 7, 12
    p1 = 0.6 * 2 / T + 0.4 / V  # P_1(鳴く): C(鳴く) = 2 of 12 tokens
    assert model.prob("鳴く", ["が"]) == pytest.approx(0.7 * 2 / 3 + 0.3 * p1)
    assert model.prob("鳴く", ["鳥"]) == pytest.approx(p1)  # unseen history: the lower order only
    assert model.prob("鳥", ["が"]) == pytest.approx(0.3 * 0.4 / V)


@pytest.mark.parametrize("cls", [AddKNGram, InterpolatedNGram, KneserNeyNGram])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_smoothed_models_sum_to_one_over_the_vocabulary(cls, n):
    model = cls(n=n).fit(TOY)
    for context in CONTEXTS:
        total = sum(model.prob(w, context) for w in model.vocab)
        assert total == pytest.approx(1.0), f"{cls.__name__}(n={n}) after {context}: {total}"
        assert all(p > 0 for p in model.next_word_distribution(context).values())


def test_add_k_on_arrays_agrees_with_the_counting_model():
    held_out = TOY + [["鳥", "が", "鳴く"], [], ["鳴く", "猫"]]
    for n in (1, 2, 3):
        for k in (0.01, 1.0):
            fast, slow = AddKNGram(n=n, k=k).fit(TOY), NGramModel(n=n, k=k).fit(TOY)
            assert fast.perplexity(held_out) == pytest.approx(slow.perplexity(held_out))
            assert fast.token_logprobs(["犬", "が", "走る"]) == pytest.approx(slow.token_logprobs(["犬", "が", "走る"]))


def test_em_finds_the_best_interpolation_weights_on_held_out_text():
    train = [list("吾輩は猫である。名前はまだ無い。"), list("どこで生れたかとんと見当がつかぬ。"), list("猫は鼠を捕る。")]
    held_out = [list("吾輩は鼠である。"), list("名前はまだ見当がつかぬ。")]
    model = InterpolatedNGram(n=2).fit(train).tune(held_out)
    best = model.perplexity(held_out)
    grid = [i / 20 for i in range(1, 20)]
    for l1 in grid:
        for l2 in grid:
            model.lambdas = [l1, l2]
            assert best <= model.perplexity(held_out) + 1e-6, f"λ = ({l1}, {l2}) beats EM"


def test_generation_from_multi_order_models_is_reproducible():
    model = KneserNeyNGram(n=3).fit(TOY)
    assert model.generate(seed=3, max_len=10) == model.generate(seed=3, max_len=10)
    assert model.generate(temperature=0, seed=1) == model.generate(temperature=0, seed=2)
    assert all(w in model.vocab for w in model.generate(seed=5, max_len=10))


# =========================================================================== the novel
import llm_shikumi.ngram as ngram_module  # noqa: E402
from llm_shikumi import lm_eval, novel  # noqa: E402


def test_word_tokens_spell_out_every_character_of_the_novel():
    for split in ("dev", "test"):
        paragraphs = novel.load_split(split)
        tokens = ngram_module.novel_tokens(split, "word")
        assert ["".join(t) for t in tokens] == paragraphs
        assert sum(len(p) + 1 for p in paragraphs) == len(novel.split_text(split))


def test_vocabularies_come_from_train_only():
    chars = set(ngram_module.novel_vocabulary("char"))
    assert chars | {lm_eval.UNK_CHAR, "\n"} == set(lm_eval.char_vocabulary(novel.split_text("train")))
    train_words = Counter(w for p in ngram_module.novel_tokens("train", "word") for w in p)
    assert set(ngram_module.novel_vocabulary("word")) == {w for w, c in train_words.items() if c >= 2}


@pytest.fixture(scope="module")
def results():
    return {r.label: r for r in ngram_module.novel_results()}


def test_results_table_numbers_come_from_the_runs(results):
    """Recompute two rows from scratch, token by token, with lm_eval's rules; the table must agree."""
    test_paragraphs = novel.load_split("test")
    n_chars = len(novel.split_text("test"))
    speller = lm_eval.CharUnigram(novel.split_text("train"))

    model = ngram_module.make_model("word", 3, "kneser-ney")
    nats, n_tokens = 0.0, 0
    for p in test_paragraphs:
        tokens = ngram_module.word_tokenize(p)
        nats -= sum(model.token_logprobs(tokens))  # every word and the paragraph's "\n" (</s>)
        nats += sum(speller.nats(t) for t in tokens if t not in model._index)  # spell out <unk>
        n_tokens += len(tokens) + 1
    row = results["単語 3-gram Kneser–Ney"]
    assert row.test_bpc == pytest.approx(lm_eval.bits_per_character(nats, n_chars), rel=1e-9)
    assert row.perplexity_unit == "単語" and row.test_perplexity > 2 ** row.test_bpc

    model = ngram_module.make_model("char", 5, "interpolated")
    nats = -sum(sum(model.token_logprobs(list(p))) for p in test_paragraphs)
    row = results["文字 5-gram 補間"]
    assert row.test_bpc == pytest.approx(lm_eval.bits_per_character(nats, n_chars), rel=1e-9)
    assert row.test_perplexity == pytest.approx(2 ** row.test_bpc)  # per character, "\n" included
    assert ngram_module.novel_baselines() == {label: r.test_bpc for label, r in results.items()}


def test_dev_tuned_smoothing_beats_add_k_on_test(results):
    for unit in ("word", "char"):
        for n in {n for u, n, _ in ngram_module.NOVEL_MODELS if u == unit and n > 1}:
            add_k = results[ngram_module.model_label(unit, n, "add-k")]
            for smoothing in ("interpolated", "kneser-ney"):
                better = results[ngram_module.model_label(unit, n, smoothing)]
                assert better.test_bpc < add_k.test_bpc, (better, add_k)
                assert better.test_perplexity < add_k.test_perplexity


def test_results_are_plausible(results):
    for r in results.values():
        assert 3.0 < r.test_bpc < 12.0 and math.isfinite(r.test_perplexity)
        assert r.vocab_size == len(ngram_module.novel_vocabulary(r.unit)) + 2  # + </s>, <unk>


@pytest.mark.slow
def test_chapter_prints_the_numbers_of_the_runs(results):
    """The executed chapter 02 (from `make book`) glued the bpc of every model as computed here."""
    from site_helpers import executed_notebook, glued_values

    executed = executed_notebook("02_ngram_language_model.ipynb")
    if executed is None:
        pytest.skip("chapter 02 has not been executed by `make book`")
    glued = glued_values(executed)
    for r in results.values():
        key = f"bpc_{r.unit}{r.n}_{r.smoothing.replace('-', '')}"
        assert float(glued[key]) == pytest.approx(r.test_bpc, rel=1e-9), key


def test_results_cache_round_trips_and_is_keyed_by_code_and_data(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_SHIKUMI_CACHE", str(tmp_path))
    monkeypatch.setattr(ngram_module, "NOVEL_MODELS", (("word", 2, "kneser-ney"),))
    ngram_module.novel_results.cache_clear()
    try:
        first = ngram_module.novel_results()
        (cached,) = tmp_path.glob("ngram_novel-*.json")  # one file of llm_shikumi.results
        ngram_module.novel_results.cache_clear()
        monkeypatch.setattr(ngram_module, "run_novel_model", lambda *spec: pytest.fail("ran again despite the cache"))
        assert ngram_module.novel_results() == first
        assert cached.name == ngram_module._cache_path().name
        monkeypatch.setenv("LLM_SHIKUMI_NO_CACHE", "1")
        assert ngram_module._cache_path() is None
    finally:
        ngram_module.novel_results.cache_clear()

"""Chapter 09 (llm_shikumi.bert, llm_shikumi.book_text): tokenisation, 80/10/10 masking, MLM loss, fine-tuning."""
from __future__ import annotations

import unicodedata

import pytest
import torch

from llm_shikumi import bert, book_text, novel

SPECIAL = range(len(bert.SPECIAL_TOKENS))
MASK_ID = bert.SPECIAL_TOKENS.index(bert.MASK)


# --------------------------------------------------------------------------- masking
def test_mask_tokens_replays_the_documented_draws_by_hand():
    """The result equals a position-by-position replay of the three documented draws (u1, u2, random id)."""
    V = 30
    ids = torch.tensor([[2, 7, 8, 9, 10, 11, 3, 0], [2, 5, 6, 1, 12, 13, 14, 3]])  # (2, 8) with CLS/SEP/PAD/UNK
    inputs, labels = bert.mask_tokens(ids, SPECIAL, MASK_ID, V, torch.Generator().manual_seed(5), mask_prob=0.5)

    g = torch.Generator().manual_seed(5)
    u1 = torch.rand(ids.shape, generator=g)
    u2 = torch.rand(ids.shape, generator=g)
    ordinary = [i for i in range(V) if i not in SPECIAL]
    r = torch.randint(len(ordinary), ids.shape, generator=g)
    for b in range(ids.shape[0]):
        for t in range(ids.shape[1]):
            token = int(ids[b, t])
            chosen = token not in SPECIAL and u1[b, t] < 0.5
            if not chosen:
                assert (int(inputs[b, t]), int(labels[b, t])) == (token, bert.IGNORE), (b, t)
                continue
            assert int(labels[b, t]) == token
            expected = MASK_ID if u2[b, t] < 0.8 else ordinary[int(r[b, t])] if u2[b, t] < 0.9 else token
            assert int(inputs[b, t]) == expected, (b, t, float(u2[b, t]))


def test_mask_tokens_never_touches_special_tokens():
    ids = torch.tensor([[2, 0, 1, 3, 4] * 40])  # only special tokens
    inputs, labels = bert.mask_tokens(ids, SPECIAL, MASK_ID, 50, torch.Generator().manual_seed(0), mask_prob=1.0)
    assert torch.equal(inputs, ids)
    assert (labels == bert.IGNORE).all()


def test_mask_tokens_rates_match_15_80_10_10():
    """On 100,000 ordinary tokens: 15 % chosen; of those 80 % [MASK], 10 % random, 10 % kept (±1.5 points)."""
    V = 1000
    ids = torch.randint(5, V, (200, 500), generator=torch.Generator().manual_seed(1))
    inputs, labels = bert.mask_tokens(ids, SPECIAL, MASK_ID, V, torch.Generator().manual_seed(2))
    chosen = labels != bert.IGNORE
    assert abs(chosen.float().mean().item() - 0.15) < 0.005
    assert torch.equal(labels[chosen], ids[chosen])
    n = chosen.sum().item()
    masked = (inputs[chosen] == MASK_ID).sum().item() / n
    kept = (inputs[chosen] == ids[chosen]).sum().item() / n  # random draws equal to the original are rare (1/995)
    changed = ((inputs[chosen] != ids[chosen]) & (inputs[chosen] != MASK_ID)).sum().item() / n
    assert abs(masked - 0.8) < 0.015 and abs(kept - 0.1) < 0.015 and abs(changed - 0.1) < 0.015
    assert (inputs[chosen & (inputs != MASK_ID)] >= 5).all(), "random replacements must be ordinary tokens"
    assert torch.equal(inputs[~chosen], ids[~chosen])


def test_mask_tokens_is_deterministic_given_the_generator():
    ids = torch.randint(5, 100, (4, 20), generator=torch.Generator().manual_seed(0))
    a = bert.mask_tokens(ids, SPECIAL, MASK_ID, 100, torch.Generator().manual_seed(3))
    b = bert.mask_tokens(ids, SPECIAL, MASK_ID, 100, torch.Generator().manual_seed(3))
    c = bert.mask_tokens(ids, SPECIAL, MASK_ID, 100, torch.Generator().manual_seed(4))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[1], c[1])


# --------------------------------------------------------------------------- the model
@pytest.fixture(scope="module")
def tiny_mlm():
    from transformers import BertForMaskedLM

    torch.manual_seed(0)
    return BertForMaskedLM(bert.tiny_config(40, hidden=16, layers=2, heads=2, max_length=16)).eval()


def test_mlm_loss_equals_transformers_loss(tiny_mlm):
    ids = torch.randint(5, 40, (3, 10), generator=torch.Generator().manual_seed(0))
    ids[:, 0], ids[:, -1] = 2, 3
    attention = torch.ones_like(ids)
    attention[2, 7:] = 0
    ids[2, 7:] = 0
    inputs, labels = bert.mask_tokens(ids, SPECIAL, MASK_ID, 40, torch.Generator().manual_seed(1), mask_prob=0.4)
    assert (labels != bert.IGNORE).any()
    ours = bert.mlm_loss(tiny_mlm, inputs, attention, labels)
    reference = tiny_mlm(input_ids=inputs, attention_mask=attention, labels=labels).loss
    torch.testing.assert_close(ours, reference, atol=1e-5, rtol=1e-5)


def test_packed_batches_have_no_padding_and_consistent_labels():
    encoded = [[2, 5, 6, 7, 3], [2, 8, 9, 3], [2, 10, 11, 12, 13, 3]] * 5
    inputs, attention, labels = next(bert.packed_mlm_batches(encoded, 4, 6, 20, torch.Generator().manual_seed(0),
                                                             mask_prob=0.5))
    assert inputs.shape == attention.shape == labels.shape == (4, 6)
    assert (attention == 1).all()
    assert not (labels[labels != bert.IGNORE] < 5).any(), "special tokens are never labels"


def test_sentence_batches_pad_and_mask_only_real_tokens():
    encoded = [[2, *range(5, 5 + n), 3] for n in range(1, 30)]
    for _, (inputs, attention, labels) in zip(range(5), bert.mlm_batches(encoded, 4, 40, torch.Generator().manual_seed(0),
                                                                          mask_prob=0.5, pool=3)):
        assert inputs.shape == attention.shape == labels.shape and inputs.shape[0] == 4
        assert (labels[attention == 0] == bert.IGNORE).all() and (inputs[attention == 0] == 0).all()
        assert (attention.sum(1) > 0).all()


def test_fill_mask_ranks_never_guess_specials_and_hits_count(tiny_mlm):
    encoded = [[2, 5, 6, 7, 3], [2, 8, 1, 3]]
    positions = bert.choose_positions(encoded, torch.Generator().manual_seed(0))
    assert positions[1] == 1, "[UNK] (id 1) and specials are never chosen"
    top = bert.fill_mask_ranks(tiny_mlm, encoded, positions, k=5)
    assert top.shape == (2, 5) and (top >= 5).all()
    top = torch.tensor([[5, 6, 7], [9, 8, 7]])
    targets = torch.tensor([6, 9])
    assert bert.hits_at(top, targets, 1) == 0.5 and bert.hits_at(top, targets, 2) == 1.0
    assert bert.unigram_top([[2, 5, 5, 6, 3], [2, 6, 6, 7, 3]], k=2).tolist() == [6, 5]


def test_classification_batches_cover_an_epoch_once():
    encoded = [[2, *range(5, 5 + n), 3] for n in range(1, 17)]
    labels = [n % 2 for n in range(16)]
    batches = bert.classification_batches(encoded, labels, 4, torch.Generator().manual_seed(0), pool=2)
    seen = []
    for _, (ids, attention, y) in zip(range(4), batches):
        lengths = attention.sum(1)
        seen += [(int(n) - 2) for n in lengths]
        assert y.tolist() == [(int(n) - 3) % 2 for n in lengths]
    assert sorted(seen) == list(range(1, 17))


def test_classifier_starts_from_the_pretrained_encoder(tiny_mlm):
    model = bert.classifier_from_mlm(tiny_mlm, num_labels=2)
    for name, value in tiny_mlm.bert.state_dict().items():
        assert torch.equal(model.bert.state_dict()[name], value), name
    assert bert.predict(model, [[2, 5, 6, 3], [2, 7, 3]]).shape == (2,)


def test_bow_classifier_learns_a_separable_toy_task_and_ignores_unseen_words():
    train = [["猫", "が", "鳴く"], ["犬", "が", "鳴く"], ["です", "ます"], ["ます", "でした"]]
    clf = bert.BowClassifier(steps=200).fit(train, [0, 0, 1, 1])
    assert clf.predict(train).tolist() == [0, 0, 1, 1]
    assert clf.predict([["猫", "未知語"], ["です", "未知語"]]).tolist() == [0, 1]
    assert "未知語" not in clf.vocab


# --------------------------------------------------------------------------- tokenisation
@pytest.fixture(scope="module")
def small_tokenizer(tmp_path_factory):
    """A WordPiece vocabulary from the first 600 training sentences (fast enough for every run)."""
    sentences = novel.load_sentences("train")[:600]
    words = [bert.split_words(s) for s in sentences]
    wordpiece = bert.train_wordpiece(words, vocab_size=800, limit_alphabet=400)
    vocab_file = bert.save_vocab(wordpiece, tmp_path_factory.mktemp("vocab"))
    return sentences, wordpiece, bert.japanese_tokenizer(vocab_file)


def test_vocab_file_keeps_ids_and_specials_come_first(small_tokenizer):
    _, wordpiece, tokenizer = small_tokenizer
    assert tokenizer.get_vocab() == wordpiece.get_vocab()
    assert [tokenizer.convert_tokens_to_ids(t) for t in bert.SPECIAL_TOKENS] == list(SPECIAL)
    assert len(tokenizer) == 800


def test_wordpiece_training_is_deterministic_and_keeps_the_most_frequent_characters():
    words = [bert.split_words(s) for s in novel.load_sentences("train")[:400]]
    vocabs = [bert.train_wordpiece(words, vocab_size=600, limit_alphabet=300).get_vocab() for _ in range(3)]
    assert vocabs[0] == vocabs[1] == vocabs[2]
    single = {t.removeprefix("##") for t in vocabs[0] if len(t.removeprefix("##")) == 1}
    from collections import Counter
    counts = Counter(ch for ws in words for w in ws for ch in w)
    top = sorted(counts, key=lambda ch: (-counts[ch], ch))
    assert set(top[:300]) <= single and not set(top[300:]) & single


def test_split_words_is_the_tokenizer_word_step(small_tokenizer):
    _, _, tokenizer = small_tokenizer
    text = "吾輩は猫である。名前はまだ無い。"
    assert bert.split_words(text) == tokenizer.word_tokenizer.tokenize(text)
    assert bert.split_words(text)[:4] == ["吾輩", "は", "猫", "で"]


def test_fast_path_equals_bert_japanese_tokenizer(small_tokenizer):
    """encode_words (tokenizers' WordPiece on MeCab words) gives BertJapaneseTokenizer's IDs, truncation included."""
    _, wordpiece, tokenizer = small_tokenizer
    test_sentences = novel.load_sentences("test")[:200]
    fast = bert.encode_words(wordpiece, [bert.split_words(s) for s in test_sentences], max_length=24)
    slow = [tokenizer(s, truncation=True, max_length=24)["input_ids"] for s in test_sentences]
    assert fast == slow


def test_tokenizer_round_trips_held_out_sentences(small_tokenizer):
    """Pieces without [UNK] join back to the (NFKC, no spaces) sentence; decode gives the words back."""
    _, _, tokenizer = small_tokenizer
    checked = 0
    for sentence in novel.load_sentences("test")[:200]:
        pieces = tokenizer.tokenize(sentence)
        if bert.UNK in pieces:
            continue
        original = "".join(unicodedata.normalize("NFKC", sentence).split())
        assert "".join(p.removeprefix("##") for p in pieces) == original
        ids = tokenizer(sentence)["input_ids"]
        assert tokenizer.decode(ids, skip_special_tokens=True).replace(" ", "") == original
        checked += 1
    assert checked >= 20


@pytest.fixture(scope="module")
def chapter_wordpiece():
    """The chapter's vocabulary: 4,000 pieces from the whole training split."""
    train = novel.load_sentences("train")
    return train, bert.train_wordpiece([bert.split_words(s) for s in train], vocab_size=4000, limit_alphabet=1500)


@pytest.mark.slow
def test_fast_path_equals_bert_japanese_tokenizer_on_the_whole_test_chapter(chapter_wordpiece, tmp_path):
    _, wordpiece = chapter_wordpiece
    tokenizer = bert.japanese_tokenizer(bert.save_vocab(wordpiece, tmp_path))
    sentences = novel.load_sentences("test")
    fast = bert.encode_words(wordpiece, [bert.split_words(s) for s in sentences], max_length=64)
    assert fast == [tokenizer(s, truncation=True, max_length=64)["input_ids"] for s in sentences]


@pytest.mark.slow
def test_vocab_is_built_from_the_training_split_only(chapter_wordpiece):
    """Every piece of the full vocabulary occurs in the training text; characters seen only in dev/test do not."""
    train, wordpiece = chapter_wordpiece
    train_text = unicodedata.normalize("NFKC", "".join(train))
    pieces = [t.removeprefix("##") for t in wordpiece.get_vocab() if t not in bert.SPECIAL_TOKENS]
    assert all(p in train_text for p in pieces)
    held_out = set(unicodedata.normalize("NFKC", novel.split_text("test") + novel.split_text("dev")))
    unseen = held_out - set(train_text) - {"\n"}
    assert unseen, "the held-out chapters have characters the training chapters lack"
    assert not unseen & {t.removeprefix("##") for t in wordpiece.get_vocab()}


# --------------------------------------------------------------------------- the book's prose
def test_prose_sentences_drop_markup_and_glosses():
    markdown = ("## 見出し\n\n語彙 (vocabulary) は **単語** の集まりです。値は {glue:text}`x:.2f` です。\n"
                "続きの行もつながります。\n\n```python\nprint(1)\n```\n\n$$\nx = 1\n$$\n\n"
                "- [第 3 章](03_one_hot.ipynb) を見てください。\n| 表 | です |\n")
    assert book_text.prose_sentences(markdown) == [
        "語彙は単語の集まりです。", "続きの行もつながります。", "第3章を見てください。"]


def test_book_prose_snapshot_is_clean_and_disjoint_from_the_novel():
    data = book_text.load()
    assert data and not any(stem.startswith("09") for stem in data)
    sentences = [s for found in data.values() for s in found]
    assert len(sentences) >= 300
    assert all(not any("a" <= c.lower() <= "z" for c in s) and len(s) >= book_text.MIN_CHARS for s in sentences)
    novel_sentences = {novel.normalize(s) for split in ("train", "dev", "test") for s in novel.load_sentences(split)}
    shared = [s for s in sentences if novel.normalize(s) in novel_sentences]
    assert len(shared) <= 3, shared  # a quoted line of the novel at most


def test_novel_vs_book_is_balanced_and_shares_no_sentence():
    data = book_text.novel_vs_book(seed=0)
    (train, train_y), (test, test_y) = data["train"], data["test"]
    assert len(train) == len(train_y) and len(test) == len(test_y)
    assert abs(sum(train_y) - len(train_y) / 2) <= 2 and abs(sum(test_y) - len(test_y) / 2) <= 2
    assert not {novel.normalize(s) for s in train} & {novel.normalize(s) for s in test}
    test_chapter = {novel.normalize(s) for s in novel.load_sentences("test")}
    assert all(novel.normalize(s) in test_chapter for s, y in zip(test, test_y) if y == 0), "novel test = chapter 十一"
    assert all(book_text.keep(s) == s for s in train + test)

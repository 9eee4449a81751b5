"""BERT (chapter 09): Japanese subword tokenisation, masked-language-model pre-training, fine-tuning.

The pieces a chapter on BERT needs, written to be read:

- Tokenisation the way Japanese BERTs do it (e.g. ``tohoku-nlp/bert-base-japanese-v3``): MeCab splits a
  sentence into words (fugashi + unidic-lite), then WordPiece splits each word into subwords from a
  vocabulary (``##`` marks a piece that continues a word). :func:`train_wordpiece` learns the vocabulary
  with the ``tokenizers`` library on MeCab-split training sentences only; :func:`japanese_tokenizer`
  wraps it in ``transformers.BertJapaneseTokenizer`` (the class the pretrained Japanese BERTs use).
  :func:`encode_words` is the fast path (the ``tokenizers`` WordPiece on words already split) and gives
  the same IDs as the slow tokenizer (tested).
- :func:`mask_tokens`: BERT's masking rule written out. 15 % of the ordinary tokens are chosen; of
  those, 80 % become ``[MASK]``, 10 % a random ordinary token, 10 % stay; special tokens are never
  chosen. Labels are the original IDs at chosen positions and -100 (ignored) elsewhere.
- :func:`mlm_loss`: the masked-LM loss of a ``transformers.BertForMaskedLM``, computing the output layer
  only at the chosen positions (the same value as the model's own ``labels=`` loss, tested; about 7
  times less work in the output layer).
- Fill-mask evaluation on held-out sentences (:func:`fill_mask_hits`) against the unigram baseline
  (:func:`unigram_hits`), and :func:`fill_mask` for reading a model's guesses (the same function serves
  the tiny model and a pretrained one from :mod:`llm_shikumi.hub`).
- Sentence classification: :func:`classifier_from_mlm` (the pre-trained encoder + a new head),
  :func:`fine_tune`, :func:`predict`, and the bag-of-words baseline :class:`BowClassifier` (chapter 03's
  :func:`llm_shikumi.vocab.bag_of_words` + logistic regression).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK)  # IDs 0..4 in every vocabulary trained here
IGNORE = -100  # the label of positions that are not predicted (PyTorch's cross_entropy ignore_index)
MECAB_KWARGS = {"mecab_dic": "unidic_lite"}


# --------------------------------------------------------------------------- tokenisation
@lru_cache(maxsize=1)
def word_tokenizer():
    """The MeCab word splitter that ``BertJapaneseTokenizer(word_tokenizer_type="mecab")`` uses
    (fugashi + unidic-lite; NFKC-normalises the text first)."""
    from transformers.models.bert_japanese.tokenization_bert_japanese import MecabTokenizer

    return MecabTokenizer(**MECAB_KWARGS)


def split_words(text: str) -> list[str]:
    """``text`` split into words by MeCab, exactly as the Japanese BERT tokenizer does it."""
    return word_tokenizer().tokenize(text)


def train_wordpiece(word_lists: Sequence[Sequence[str]], vocab_size: int = 4000, limit_alphabet: int = 1500):
    """A WordPiece vocabulary (``tokenizers.Tokenizer``) learnt from sentences already split into words.

    ``limit_alphabet`` keeps the most frequent characters only (the rarest become ``[UNK]``): Japanese has
    thousands of characters, and a small vocabulary must leave room for multi-character pieces. The kept
    characters are chosen here (by count, ties by code point) and given to the trainer as its initial
    alphabet, because the library breaks ties at the cut-off in an order that changes from run to run.
    The special tokens get IDs 0..4 in the order of :data:`SPECIAL_TOKENS`.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    counts = Counter(ch for words in word_lists for word in words for ch in word)
    alphabet = sorted(counts, key=lambda ch: (-counts[ch], ch))[:limit_alphabet]
    tokenizer = Tokenizer(models.WordPiece(unk_token=UNK, continuing_subword_prefix="##"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS),
                                        limit_alphabet=len(alphabet), initial_alphabet=alphabet,
                                        continuing_subword_prefix="##", show_progress=False)
    tokenizer.train_from_iterator((" ".join(words) for words in word_lists), trainer)
    # The library numbers the pieces in an order that changes from run to run (the set of pieces does not):
    # renumber them (specials, then by length, word-initial before ##, then by code point) for the same IDs
    # in every run.
    pieces = sorted((t for t in tokenizer.get_vocab() if t not in SPECIAL_TOKENS),
                    key=lambda t: (len(t.removeprefix("##")), t.startswith("##"), t))
    vocab = {t: i for i, t in enumerate([*SPECIAL_TOKENS, *pieces])}
    renumbered = Tokenizer(models.WordPiece(vocab, unk_token=UNK, continuing_subword_prefix="##"))
    renumbered.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return renumbered


def save_vocab(wordpiece, folder: str | Path) -> Path:
    """Write the vocabulary as BERT's ``vocab.txt`` (one token per line, line number = ID)."""
    vocab = wordpiece.get_vocab()
    tokens = sorted(vocab, key=vocab.get)
    if [vocab[t] for t in tokens] != list(range(len(tokens))):
        raise ValueError("the vocabulary IDs are not 0..n-1")
    path = Path(folder) / "vocab.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    return path


def japanese_tokenizer(vocab_file: str | Path, model_max_length: int = 128):
    """``transformers.BertJapaneseTokenizer``: MeCab (unidic-lite) words, then WordPiece with ``vocab_file``."""
    from transformers import BertJapaneseTokenizer

    return BertJapaneseTokenizer(str(vocab_file), word_tokenizer_type="mecab", subword_tokenizer_type="wordpiece",
                                 mecab_kwargs=dict(MECAB_KWARGS), model_max_length=model_max_length)


def encode_words(wordpiece, word_lists: Sequence[Sequence[str]], max_length: int) -> list[list[int]]:
    """``[CLS] pieces... [SEP]`` IDs of each word list, at most ``max_length`` IDs (the fast path:
    the same IDs as ``japanese_tokenizer(...)(text, truncation=True, max_length=max_length)``)."""
    cls_id, sep_id = wordpiece.token_to_id(CLS), wordpiece.token_to_id(SEP)
    out = []
    for words in word_lists:
        ids = wordpiece.encode(list(words), is_pretokenized=True, add_special_tokens=False).ids if words else []
        out.append([cls_id, *ids[: max_length - 2], sep_id])
    return out


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``input_ids`` (B, T) and ``attention_mask`` (B, T) (1 = real token, 0 = padding)."""
    T = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), T), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(sequences), T), dtype=torch.long)  # (B, T)
    for i, s in enumerate(sequences):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids, mask


# --------------------------------------------------------------------------- masking (80/10/10)
def mask_tokens(input_ids: torch.Tensor, special_ids: Sequence[int], mask_id: int, vocab_size: int,
                generator: torch.Generator, mask_prob: float = 0.15) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking: returns ``(inputs, labels)``, both shaped like ``input_ids``.

    1. Each position whose token is not in ``special_ids`` is chosen with probability ``mask_prob``
       (one uniform draw per position, in row-major order: ``u1 < mask_prob``).
    2. A second uniform draw ``u2`` per position decides what a chosen position shows the model:
       ``u2 < 0.8`` → ``[MASK]`` (80 %), ``0.8 <= u2 < 0.9`` → a random ordinary token (10 %),
       otherwise the original token (10 %). The random token is drawn uniformly from the IDs
       ``0..vocab_size-1`` that are not special (a third draw, ``torch.randint``, for every position).
    3. ``labels`` is the original ID at chosen positions and :data:`IGNORE` elsewhere.

    Draws come from ``generator`` only, so the same generator state gives the same result.
    """
    special = torch.tensor(sorted(set(special_ids)), dtype=torch.long)
    ordinary_ids = torch.tensor([i for i in range(vocab_size) if i not in set(special_ids)], dtype=torch.long)
    candidates = ~torch.isin(input_ids, special)  # (B, T) bool
    chosen = (torch.rand(input_ids.shape, generator=generator) < mask_prob) & candidates  # (B, T)
    action = torch.rand(input_ids.shape, generator=generator)  # (B, T)
    random_ids = ordinary_ids[torch.randint(len(ordinary_ids), input_ids.shape, generator=generator)]  # (B, T)
    to_mask = chosen & (action < 0.8)
    to_random = chosen & (action >= 0.8) & (action < 0.9)
    inputs = input_ids.clone()
    inputs[to_mask] = mask_id
    inputs[to_random] = random_ids[to_random]
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE))
    return inputs, labels


# --------------------------------------------------------------------------- the model and its MLM loss
def tiny_config(vocab_size: int, hidden: int = 128, layers: int = 2, heads: int = 4, max_length: int = 64,
                **kwargs):
    """A small ``transformers.BertConfig`` (BERT-base is 768 hidden, 12 layers, 12 heads, FFN 3072).

    The FFN is 2 x hidden (BERT uses 4 x) and dropout stays at BERT's 0.1. Attention is computed in
    plain PyTorch ("eager") so that the attention weights can be returned and drawn.
    """
    from transformers import BertConfig

    settings = dict(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                    intermediate_size=2 * hidden, max_position_embeddings=max_length, type_vocab_size=2,
                    pad_token_id=0)
    settings.update(kwargs)
    config = BertConfig(**settings)
    config._attn_implementation = "eager"
    return config


def mlm_loss(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of a ``BertForMaskedLM`` at the positions whose label is not :data:`IGNORE`.

    Same value as ``model(input_ids, attention_mask=..., labels=labels).loss``, but the output layer
    (hidden -> vocabulary) runs only on the chosen positions instead of all of them.
    """
    hidden = model.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, H)
    chosen = labels != IGNORE  # (B, T)
    logits = model.cls(hidden[chosen])  # (N, H) -> (N, V), N = number of chosen positions
    return F.cross_entropy(logits, labels[chosen])


def mlm_batches(encoded: Sequence[Sequence[int]], batch_size: int, vocab_size: int, generator: torch.Generator,
                mask_prob: float = 0.15, pool: int = 8) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Endless ``(inputs, attention_mask, labels)`` batches of whole sentences, masked anew each time.

    ``pool`` batches' worth of sentences are drawn at random, sorted by length and cut into batches
    (yielded in random order), so that a batch holds sentences of similar length and little padding.
    """
    special = range(len(SPECIAL_TOKENS))
    while True:
        picks = torch.randint(len(encoded), (batch_size * pool,), generator=generator).tolist()
        picks.sort(key=lambda i: len(encoded[i]))
        for b in torch.randperm(pool, generator=generator).tolist():
            ids, attention = pad_batch([encoded[i] for i in picks[b * batch_size:(b + 1) * batch_size]])  # (B, T)
            inputs, labels = mask_tokens(ids, special, SPECIAL_TOKENS.index(MASK), vocab_size, generator, mask_prob)
            yield inputs, attention, labels


def packed_mlm_batches(encoded: Sequence[Sequence[int]], batch_size: int, block: int, vocab_size: int,
                       generator: torch.Generator, mask_prob: float = 0.15
                       ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Endless ``(inputs, attention_mask, labels)`` batches of ``block`` consecutive tokens of the training text.

    The encoded sentences (``[CLS] ... [SEP]`` each) are concatenated into one stream and windows are cut
    at random offsets, so that no position is padding (RoBERTa's "full-sentences" packing; BERT also
    filled its 512-token inputs with consecutive text). Each window is masked anew with :func:`mask_tokens`.
    """
    stream = torch.tensor([i for ids in encoded for i in ids], dtype=torch.long)  # (N,)
    if stream.numel() < block:
        raise ValueError(f"{stream.numel()} tokens are fewer than one block of {block}")
    offsets = torch.arange(block)  # (T,)
    special = range(len(SPECIAL_TOKENS))
    while True:
        starts = torch.randint(0, stream.numel() - block + 1, (batch_size,), generator=generator)  # (B,)
        ids = stream[starts[:, None] + offsets[None, :]]  # (B, T)
        inputs, labels = mask_tokens(ids, special, SPECIAL_TOKENS.index(MASK), vocab_size, generator, mask_prob)
        yield inputs, torch.ones_like(ids), labels


# --------------------------------------------------------------------------- fill-mask evaluation
def choose_positions(encoded: Sequence[Sequence[int]], generator: torch.Generator,
                     excluded: Sequence[int] = tuple(range(len(SPECIAL_TOKENS)))) -> list[int]:
    """One position per sentence, drawn uniformly among the tokens not in ``excluded`` (specials and
    ``[UNK]`` by default; -1 when a sentence has none)."""
    out = []
    for ids in encoded:
        allowed = [k for k, i in enumerate(ids) if i not in excluded]
        out.append(allowed[int(torch.randint(len(allowed), (1,), generator=generator))] if allowed else -1)
    return out


@torch.no_grad()
def fill_mask_ranks(model, encoded: Sequence[Sequence[int]], positions: Sequence[int], k: int = 5,
                    batch_size: int = 128) -> torch.Tensor:
    """The model's top-``k`` IDs (N, k) at ``positions`` after replacing each with ``[MASK]`` (sentences
    with position -1 are skipped)."""
    model.eval()
    mask_id = SPECIAL_TOKENS.index(MASK)
    rows = [(ids, p) for ids, p in zip(encoded, positions) if p >= 0]
    out = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        ids, attention = pad_batch([r[0] for r in chunk])  # (B, T), (B, T)
        where = torch.tensor([r[1] for r in chunk])  # (B,)
        ids[torch.arange(len(chunk)), where] = mask_id
        hidden = model.bert(input_ids=ids, attention_mask=attention).last_hidden_state  # (B, T, H)
        logits = model.cls(hidden[torch.arange(len(chunk)), where])  # (B, V)
        logits[:, : len(SPECIAL_TOKENS)] = float("-inf")  # never guess a special token
        out.append(logits.topk(k, dim=-1).indices)  # (B, k)
    return torch.cat(out)


def targets_at(encoded: Sequence[Sequence[int]], positions: Sequence[int]) -> torch.Tensor:
    """The true IDs at ``positions`` (sentences with position -1 skipped), shape (N,)."""
    return torch.tensor([ids[p] for ids, p in zip(encoded, positions) if p >= 0])


def hits_at(top: torch.Tensor, targets: torch.Tensor, k: int) -> float:
    """Share of rows whose target is among the first ``k`` guesses of ``top`` (N, >=k)."""
    return float((top[:, :k] == targets[:, None]).any(dim=1).float().mean())


def unigram_top(encoded: Sequence[Sequence[int]], k: int = 5) -> torch.Tensor:
    """The ``k`` most frequent ordinary token IDs of ``encoded`` (the unigram baseline's guesses,
    the same for every position)."""
    counts = Counter(i for ids in encoded for i in ids if i >= len(SPECIAL_TOKENS))
    return torch.tensor([i for i, _ in counts.most_common(k)])


@torch.no_grad()
def fill_mask(model, tokenizer, text: str, k: int = 5) -> list[list[tuple[str, float]]]:
    """For each ``[MASK]`` in ``text`` (in order): the ``k`` likeliest tokens and their probabilities.

    Works for any masked LM and its tokenizer (the chapter's tiny model, or a pretrained BERT loaded with
    :func:`llm_shikumi.hub.load_masked_lm`)."""
    model.eval()
    enc = tokenizer(text, return_tensors="pt")
    logits = model(**enc).logits[0]  # (T, V)
    where = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero().flatten().tolist()
    out = []
    for p in where:
        probs = logits[p].softmax(-1)  # (V,)
        top = probs.topk(k)
        out.append([(tokenizer.convert_ids_to_tokens(int(i)), float(q)) for q, i in zip(top.values, top.indices)])
    return out


# --------------------------------------------------------------------------- fine-tuning for classification
def classifier_from_mlm(mlm_model, num_labels: int = 2, seed: int = 0):
    """A ``BertForSequenceClassification`` whose encoder starts from ``mlm_model``'s (pre-trained) weights;
    the pooler and the classification head are new (seeded with ``seed``)."""
    from transformers import BertForSequenceClassification

    config = mlm_model.config.__class__.from_dict(mlm_model.config.to_dict())
    config.num_labels = num_labels
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    missing, unexpected = model.bert.load_state_dict(mlm_model.bert.state_dict(), strict=False)
    if unexpected or any(not name.startswith("pooler.") for name in missing):
        raise ValueError(f"encoder weights do not match: missing {missing}, unexpected {unexpected}")
    return model


def classification_batches(encoded: Sequence[Sequence[int]], labels: Sequence[int], batch_size: int,
                           generator: torch.Generator, pool: int = 4
                           ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Endless epochs of shuffled ``(input_ids, attention_mask, labels)`` batches.

    Each epoch is shuffled, then every ``pool`` batches' worth of sentences is sorted by length and cut
    into batches (yielded in random order), so that a batch needs little padding.
    """
    y = torch.tensor(labels)
    chunk = batch_size * pool
    while True:
        order = torch.randperm(len(encoded), generator=generator).tolist()
        for start in range(0, len(order) - chunk + 1, chunk):
            group = sorted(order[start:start + chunk], key=lambda i: len(encoded[i]))
            for b in torch.randperm(pool, generator=generator).tolist():
                picks = group[b * batch_size:(b + 1) * batch_size]
                ids, attention = pad_batch([encoded[i] for i in picks])  # (B, T), (B, T)
                yield ids, attention, y[picks]


def classification_loss(model, batch) -> torch.Tensor:
    ids, attention, y = batch
    return F.cross_entropy(model(input_ids=ids, attention_mask=attention).logits, y)


@torch.no_grad()
def predict(model, encoded: Sequence[Sequence[int]], batch_size: int = 128) -> torch.Tensor:
    """Predicted class of each sentence (N,)."""
    model.eval()
    out = []
    for start in range(0, len(encoded), batch_size):
        ids, attention = pad_batch(encoded[start:start + batch_size])  # (B, T), (B, T)
        out.append(model(input_ids=ids, attention_mask=attention).logits.argmax(-1))  # (B,)
    return torch.cat(out)


class BowClassifier:
    """Bag-of-words (chapter 03) + logistic regression: the baseline for sentence classification.

    Words come from MeCab (chapter 01's :func:`llm_shikumi.morphology.tokenize`); the vocabulary is built
    from the training sentences only (unseen words are dropped at prediction); features are the binary
    bag of words (:func:`llm_shikumi.vocab.bag_of_words` with ``binary=True``); weights are fitted by
    full-batch gradient descent (Adam) on the cross-entropy with a small L2 penalty.
    """

    def __init__(self, steps: int = 100, lr: float = 0.1, weight_decay: float = 1e-3, seed: int = 0):
        self.steps, self.lr, self.weight_decay, self.seed = steps, lr, weight_decay, seed

    def features(self, token_lists: Sequence[Sequence[str]]) -> torch.Tensor:
        from llm_shikumi.vocab import bag_of_words

        known = [[self.vocab.index(t) for t in tokens if t in self.vocab] for tokens in token_lists]
        return torch.tensor(np.stack([bag_of_words(ids, len(self.vocab), binary=True) for ids in known]))  # (N, V)

    def fit(self, token_lists: Sequence[Sequence[str]], labels: Sequence[int]) -> "BowClassifier":
        from llm_shikumi.vocab import Vocabulary

        self.vocab = Vocabulary.from_tokens(list(token_lists), unk_token=None)
        X, y = self.features(token_lists), torch.tensor(labels)  # (N, V), (N,)
        torch.manual_seed(self.seed)
        self.linear = nn.Linear(X.shape[1], int(y.max()) + 1)
        optimizer = torch.optim.Adam(self.linear.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        for _ in range(self.steps):
            optimizer.zero_grad()
            F.cross_entropy(self.linear(X), y).backward()
            optimizer.step()
        return self

    @torch.no_grad()
    def predict(self, token_lists: Sequence[Sequence[str]]) -> torch.Tensor:
        return self.linear(self.features(token_lists)).argmax(-1)

    def top_words(self, label: int, k: int = 10) -> list[str]:
        """The ``k`` words whose presence pushes most towards ``label`` (for a two-class model)."""
        w = self.linear.weight.detach()
        score = w[label] - w[1 - label]  # (V,)
        return [self.vocab.token(int(i)) for i in score.topk(k).indices]

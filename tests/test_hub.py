"""Pretrained loading (llm_shikumi.hub): the online code path on tiny local models, the offline fallback."""
from __future__ import annotations

import pytest
import torch

from llm_shikumi import hub

from tiny_models import save_tiny_gpt2


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    return save_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"), ["<unk>", *"吾輩は猫である。"], n_positions=16)


def test_loads_a_local_causal_lm_with_the_same_code_path(tiny_gpt2):
    loaded = hub.load_causal_lm(str(tiny_gpt2))
    assert loaded is not None and loaded.name == str(tiny_gpt2)
    ids = loaded.tokenizer("吾輩は猫", return_tensors="pt").input_ids
    assert ids.shape == (1, 4)
    out = loaded.model.generate(ids, max_new_tokens=3, do_sample=False)
    assert out.shape == (1, 7)


def test_offline_fallback_returns_none_and_says_why(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.load_causal_lm("rinna/japanese-gpt2-small") is None
    message = capsys.readouterr().out
    assert "オフライン" in message and "rinna/japanese-gpt2-small" in message


def test_offline_detection(monkeypatch):
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert not hub.offline()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.offline()


@pytest.fixture(scope="module")
def tiny_japanese_bert(tmp_path_factory):
    """A tiny BertForMaskedLM with a BertJapaneseTokenizer (MeCab + WordPiece), saved like tohoku-nlp's models."""
    from transformers import BertForMaskedLM

    from llm_shikumi import bert

    folder = tmp_path_factory.mktemp("tiny-japanese-bert")
    (folder / "vocab.txt").write_text("\n".join([*bert.SPECIAL_TOKENS, "吾輩", "は", "猫", "で", "ある", "。"]) + "\n",
                                      encoding="utf-8")
    bert.japanese_tokenizer(folder / "vocab.txt").save_pretrained(folder)
    torch.manual_seed(0)
    BertForMaskedLM(bert.tiny_config(11, hidden=8, layers=1, heads=2, max_length=16)).save_pretrained(folder)
    return folder


def test_loads_a_local_japanese_masked_lm_with_the_same_code_path(tiny_japanese_bert):
    from llm_shikumi import bert

    loaded = hub.load_masked_lm(str(tiny_japanese_bert))
    assert loaded is not None and type(loaded.tokenizer).__name__ == "BertJapaneseTokenizer"
    assert loaded.tokenizer.tokenize("吾輩は猫である。") == ["吾輩", "は", "猫", "で", "ある", "。"]
    guesses = bert.fill_mask(loaded.model, loaded.tokenizer, "吾輩は[MASK]である。", k=3)
    assert len(guesses) == 1 and len(guesses[0]) == 3
    assert all(isinstance(token, str) and 0.0 <= p <= 1.0 for token, p in guesses[0])


def test_offline_masked_lm_fallback_says_why(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.load_masked_lm("tohoku-nlp/bert-base-japanese-v3") is None
    message = capsys.readouterr().out
    assert "オフライン" in message and "tohoku-nlp/bert-base-japanese-v3" in message

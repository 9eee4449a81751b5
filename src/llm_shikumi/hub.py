"""Pretrained models from the Hugging Face Hub, where the network allows it (Colab), and a clear fallback.

The book is built offline (``HF_HUB_OFFLINE=1``): the chapters train their own tiny models. The real
pretrained models (a Japanese GPT-2, a Japanese BERT) are loaded by these functions, which return
``None`` with a message instead of raising when the model cannot be had. The same code path is tested
offline against tiny models saved locally with the same classes (``tests/test_hub.py``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass
class Loaded:
    """A model and its tokenizer, and where they came from."""

    model: Any
    tokenizer: Any
    name: str


def offline() -> bool:
    """True when the Hub must not be contacted (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE set to 1)."""
    return any(os.environ.get(k, "").strip().lower() in ("1", "true", "yes", "on")
               for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _load(model_class: str, name: str, verbose: bool) -> Loaded | None:
    import transformers

    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(name)
        model = getattr(transformers, model_class).from_pretrained(name)
    except (OSError, ValueError, ImportError) as error:  # no network, not cached, or a missing tokenizer package
        if verbose:
            where = "オフライン（HF_HUB_OFFLINE=1）のため" if offline() else "ネットワークまたはモデル名の問題で"
            print(f"{where}事前学習済みモデル {name} を読み込めませんでした。"
                  f"このセルは Colab などネットワークのある環境で実行してください。（{type(error).__name__}）")
        return None
    model.eval()
    return Loaded(model, tokenizer, name)


def load_causal_lm(name: str, verbose: bool = True) -> Loaded | None:
    """A pretrained decoder-only language model (e.g. ``rinna/japanese-gpt2-small``), or ``None`` offline."""
    return _load("AutoModelForCausalLM", name, verbose)


def load_masked_lm(name: str, verbose: bool = True) -> Loaded | None:
    """A pretrained masked language model (e.g. ``tohoku-nlp/bert-base-japanese-v3``), or ``None`` offline."""
    return _load("AutoModelForMaskedLM", name, verbose)

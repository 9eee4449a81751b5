"""Chapter 10's character GPT (llm_shikumi.gpt.train_char_gpt), its recorded long run, and the chapter's bpc table.

- The record ``data/gpt_long_run.json`` must describe a run of the module's own settings
  (:data:`LONG_RUN_CONFIG` = the chapter's :data:`CHAPTER_CONFIG` with more steps) in the schema that
  :func:`long_run` writes today; its numbers must agree with each other and with the corpus.
- The executed chapter (``make book``) must glue, for every row of its bits-per-character table, the
  value that the run behind the row gives: the N-gram runs, LZMA, the stored GRU and GPT runs and the two
  JSON records. Nothing here says which model wins.
"""
from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest
import torch

from llm_shikumi import gpt, lm_eval, novel, rnn
from llm_shikumi.training import count_parameters

from site_helpers import executed_notebook, glued_values

ROOT = Path(__file__).resolve().parent.parent
MODEL_KEYS = ("block_size", "d_model", "n_heads", "n_layers", "output_bias", "embed_init_std")


@pytest.fixture(scope="module")
def record():
    rec = gpt.load_long_run()
    assert rec is not None, "src/llm_shikumi/data/gpt_long_run.json is missing: run python -m llm_shikumi.gpt --long-run"
    return rec


def test_warmup_cosine_rises_then_falls_to_the_floor():
    factors = [gpt.warmup_cosine(s, 100, 10, 0.1) for s in range(120)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert all(a <= b for a, b in zip(factors[:10], factors[1:10]))  # warm-up: non-decreasing
    assert all(a >= b for a, b in zip(factors[10:100], factors[11:100]))  # decay: non-increasing
    assert factors[100] == factors[119] == pytest.approx(0.1)


def test_output_bias_shifts_every_logit_and_gpt2_has_none():
    torch.manual_seed(0)
    config = gpt.GPTConfig(vocab_size=20, block_size=8, d_model=16, n_heads=2, n_layers=1, output_bias=True)
    model = gpt.GPT(config)
    idx = torch.randint(0, 20, (2, 8))
    before = model(idx)
    with torch.no_grad():
        model.head_bias[3] += 1.5
    assert torch.allclose(model(idx) - before, torch.nn.functional.one_hot(torch.tensor(3), 20) * 1.5, atol=1e-5)
    with pytest.raises(ValueError):
        gpt.to_transformers(model)


def test_embed_init_std_sets_the_spread_of_the_token_embedding():
    config = gpt.GPTConfig(vocab_size=3000, d_model=64, n_layers=1, embed_init_std=0.125)
    torch.manual_seed(0)
    assert gpt.GPT(config).tok_emb.weight.std().item() == pytest.approx(0.125, rel=0.02)


def test_long_run_uses_the_chapter_settings_with_more_steps(record):
    assert record["config"] == gpt.LONG_RUN_CONFIG
    assert {k: v for k, v in gpt.LONG_RUN_CONFIG.items() if k != "steps"} == \
        {k: v for k, v in gpt.CHAPTER_CONFIG.items() if k != "steps"}
    assert gpt.LONG_RUN_CONFIG["steps"] > gpt.CHAPTER_CONFIG["steps"]


def test_long_run_numbers_agree_with_each_other_and_the_corpus(record):
    config, data = record["config"], rnn.novel_char_data()
    model_config = gpt.GPTConfig(vocab_size=data.vocab_size, **{k: config[k] for k in MODEL_KEYS})
    assert record["parameters"] == count_parameters(gpt.GPT(model_config))
    assert record["chars_seen"] == config["steps"] * config["batch_size"] * config["block_size"]
    assert record["train_chars"] == data.train.numel()
    assert record["test_chars"] == len(novel.split_text("test"))
    assert record["dev_bpc"][-1][0] == config["steps"]  # the last evaluation is after the last step
    assert record["test_perplexity"] == pytest.approx(2 ** record["test_bpc"], rel=1e-9)
    assert all(math.isfinite(v) and v > 0 for _, v in record["dev_bpc"])


def test_record_has_the_schema_long_run_writes_today(record, tmp_path):
    """A two-step run of the same function writes the same keys (with the same value types)."""
    returned = gpt.long_run(tmp_path / "tiny.json", config={**gpt.CHAPTER_CONFIG, "steps": 2}, eval_every=10**6)
    tiny = json.loads((tmp_path / "tiny.json").read_text(encoding="utf-8"))
    assert tiny == returned  # the file holds exactly what the function returned
    assert set(tiny) == set(record)
    assert set(tiny["config"]) == set(record["config"])
    for key in tiny:
        if tiny[key] is not None and record[key] is not None:
            assert type(tiny[key]) is type(record[key]) or {type(tiny[key]), type(record[key])} <= {int, float}, key


# ---------------------------------------------------------------------------------------------------
# The chapter's table: every glued value is the value of the run behind it
# ---------------------------------------------------------------------------------------------------

def expected_table() -> dict[str, float]:
    """What each row of the chapter's table must show, from the runs (stored, recorded or recomputed)."""
    from llm_shikumi import ngram, results

    data, labels = rnn.novel_char_data(), gpt.table_labels()

    def chapter_gpt():  # recomputed only when no stored run of the current code matches
        model, _ = gpt.train_char_gpt(**gpt.CHAPTER_CONFIG)
        return {"test_bpc": gpt.evaluate_char_gpt(model, data.test)["bpc"]}

    def chapter_rnn():
        model, _ = rnn.train_char_lm(**rnn.CHAPTER_CONFIG)
        return {"test_bpc": rnn.evaluate_char_lm(model, data.test)["bpc"]}

    gpt_values, _ = results.remember(gpt.CHAPTER_RESULT, gpt.CHAPTER_CONFIG, gpt.chapter_modules(), chapter_gpt)
    rnn_values, _ = results.remember(rnn.CHAPTER_RESULT, rnn.CHAPTER_CONFIG, gpt.rnn_modules(), chapter_rnn)
    return {
        **ngram.novel_baselines(),
        labels["rnn"]: rnn_values["test_bpc"],
        labels["rnn_long"]: rnn.load_long_run()["test_bpc"],
        labels["lzma"]: lm_eval.compressor_bits_per_character(novel.split_text("train"),
                                                                        novel.split_text("test")),
        labels["gpt"]: gpt_values["test_bpc"],
        labels["gpt_long"]: gpt.load_long_run()["test_bpc"],
    }


def check_table(executed: Path) -> None:
    glued, labels = glued_values(executed), gpt.table_labels()
    assert "bpc_table" in glued, f"{executed}: no glued bpc_table"
    table = json.loads(ast.literal_eval(glued["bpc_table"]))
    expected = expected_table()
    assert set(table) == set(expected), (sorted(table), sorted(expected))
    for label, value in expected.items():
        assert table[label] == pytest.approx(value, rel=1e-9), f"row {label}: glued {table[label]}, run gives {value}"
    # the single numbers pasted into the prose are rows of the same table
    for name, key in [("gpt_bpc", "gpt"), ("gpt_long_bpc", "gpt_long"), ("rnn_bpc", "rnn"),
                      ("rnn_long_bpc", "rnn_long"), ("lzma_bpc", "lzma")]:
        assert float(glued[name]) == pytest.approx(table[labels[key]], rel=1e-9), name
    assert float(glued["best_ngram_bpc"]) == pytest.approx(min(ngram_value for label, ngram_value in table.items()
                                                               if label not in labels.values()), rel=1e-9)


@pytest.mark.slow
def test_chapter_table_shows_the_values_of_the_runs():
    executed = executed_notebook("10_gpt.ipynb")
    if executed is None:
        pytest.skip("chapter 10 has not been executed by `make book`")
    if executed.stat().st_mtime < (ROOT / "chapters" / "10_gpt.ipynb").stat().st_mtime:
        pytest.skip(f"{executed} is older than chapters/10_gpt.ipynb: rebuild the book")
    check_table(executed)

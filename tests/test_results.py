"""Stored results (llm_shikumi.results): reused only when name, settings and code are unchanged."""
from __future__ import annotations

import pytest

from llm_shikumi import results


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_SHIKUMI_CACHE", str(tmp_path))


def test_remember_computes_once_then_reuses():
    calls = []

    def compute():
        calls.append(1)
        return {"bpc": 4.25}

    assert results.remember("rnn", {"steps": 10}, [results], compute) == ({"bpc": 4.25}, False)
    assert results.remember("rnn", {"steps": 10}, [results], compute) == ({"bpc": 4.25}, True)
    assert len(calls) == 1


def test_other_settings_or_code_compute_again():
    results.store("rnn", {"steps": 10}, [results], {"bpc": 1.0})
    assert results.remember("rnn", {"steps": 20}, [results], lambda: {"bpc": 2.0}) == ({"bpc": 2.0}, False)
    from llm_shikumi import texts  # one more source file behind the run

    assert results.remember("rnn", {"steps": 10}, [results, texts], lambda: {"bpc": 3.0}) == ({"bpc": 3.0}, False)


def test_damaged_file_is_recomputed(tmp_path):
    results.store("gpt", {}, [results], {"bpc": 1.0})
    for path in tmp_path.glob("gpt-*.json"):
        path.write_text("{not json")
    assert results.remember("gpt", {}, [results], lambda: {"bpc": 5.0}) == ({"bpc": 5.0}, False)


def test_no_cache_switch_computes_every_time_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_SHIKUMI_NO_CACHE", "1")
    assert results.cache_path("gpt", {}, [results]) is None
    assert results.remember("gpt", {}, [results], lambda: {"bpc": 1.0}) == ({"bpc": 1.0}, False)
    assert results.remember("gpt", {}, [results], lambda: {"bpc": 2.0}) == ({"bpc": 2.0}, False)
    assert list(tmp_path.iterdir()) == []


def test_values_may_be_lists_of_rows():
    rows = {"rows": [{"label": "文字 5-gram", "test_bpc": 4.5}]}
    assert results.remember("ngram_novel", {"models": [["char", 5]]}, [results], lambda: rows) == (rows, False)
    assert results.remember("ngram_novel", {"models": [["char", 5]]}, [results], lambda: {}) == (rows, True)


def test_unwritable_cache_keeps_nothing_but_still_answers(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LLM_SHIKUMI_CACHE", str(blocker / "results"))
    assert results.remember("gpt", {}, [results], lambda: {"bpc": 3.0}) == ({"bpc": 3.0}, False)

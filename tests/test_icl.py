"""In-context learning helpers (llm_shikumi.icl): the synthetic key-value task, few-shot prompts, the hub path."""
from __future__ import annotations

import pytest
import torch

from llm_shikumi import hub, icl

from tiny_models import save_tiny_gpt2


def test_sample_shapes_and_answers_follow_each_sequences_mapping():
    task = icl.KeyValueTask(n_keys=4, n_values=3, max_shots=8)
    prompts, answers = task.sample(50, 6, torch.Generator().manual_seed(0))
    assert prompts.shape == (50, 7) and answers.shape == (50,)
    K, V = task.n_keys, task.n_values
    assert (prompts[:, :6] < K * V).all()  # example tokens
    assert ((prompts[:, 6] >= K * V) & (prompts[:, 6] < K * V + K)).all()  # query key tokens
    assert ((answers >= task.first_value) & (answers < task.vocab_size)).all()
    for row, answer in zip(prompts, answers):
        query = int(row[-1]) - K * V
        shown = {int(t) // V: int(t) % V for t in row[:-1]}
        if query in shown:  # the prompt tells the answer whenever it shows the query key
            assert int(answer) - task.first_value == shown[query]


def test_mappings_differ_between_sequences():
    task = icl.KeyValueTask(n_keys=4, n_values=4)
    prompts, _ = task.sample(200, 8, torch.Generator().manual_seed(1))
    key0_values = {int(t) % 4 for row in prompts for t in row[:-1] if int(t) < 16 and int(t) // 4 == 0}
    assert len(key0_values) == 4  # the same key has every value somewhere: no weight can store "the" mapping


def test_ideal_accuracy_and_chance():
    task = icl.KeyValueTask(n_keys=4, n_values=4)
    assert icl.ideal_accuracy(task, 0) == pytest.approx(task.chance) == pytest.approx(0.25)
    assert icl.ideal_accuracy(task, 1) == pytest.approx(0.25 + 0.75 * 0.25)
    assert icl.ideal_accuracy(task, 8) > icl.ideal_accuracy(task, 4) > icl.ideal_accuracy(task, 1)


def test_recall_loss_uses_only_the_last_position():
    task = icl.KeyValueTask(n_keys=4, n_values=4)
    model, _ = icl.train_recall_gpt(task, steps=2, batch_size=8)
    prompts, answers = task.sample(5, 3, torch.Generator().manual_seed(0))
    reference = torch.nn.functional.cross_entropy(model(prompts)[:, -1], answers)
    assert torch.allclose(icl.recall_loss(model, (prompts, answers)), reference)


def test_a_briefly_trained_gpt_reads_its_prompt():
    task = icl.KeyValueTask(n_keys=4, n_values=4, max_shots=8)
    model, _ = icl.train_recall_gpt(task, steps=400, lr=2e-3, d_model=32, n_layers=1, n_heads=2)
    zero, eight = icl.recall_accuracy(model, task, 0, n=500), icl.recall_accuracy(model, task, 8, n=500)
    assert zero < 0.4  # nothing to read: about chance (0.25)
    assert eight > 0.8  # a perfect reader gets 0.92


def test_predictions_are_value_tokens():
    task = icl.KeyValueTask(n_keys=4, n_values=4)
    model, _ = icl.train_recall_gpt(task, steps=1, batch_size=4)
    prompts, _ = task.sample(10, 2)
    pred = icl.predict_values(model, prompts, task)
    assert ((pred >= task.first_value) & (pred < task.vocab_size)).all()


def test_describe():
    task = icl.KeyValueTask(n_keys=4, n_values=4)
    assert task.describe(torch.tensor([1 * 4 + 2, 16 + 1])) == "k1→v2 k1→?"


def test_few_shot_prompt():
    prompt = icl.few_shot_prompt([("cat", "猫"), ("dog", "犬")], "bird", instruction="英語を日本語に")
    assert prompt == "英語を日本語に\n入力：cat\n出力：猫\n入力：dog\n出力：犬\n入力：bird\n出力："
    assert icl.few_shot_prompt([], "bird") == "入力：bird\n出力："


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    return save_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2-icl"), ["<unk>", *"入力出：猫犬鳥\n"], eos_token="<unk>")


def test_complete_runs_the_same_code_path_on_a_local_model(tiny_gpt2):
    loaded = hub.load_causal_lm(str(tiny_gpt2))
    prompt = icl.few_shot_prompt([("猫", "犬")], "鳥")
    answer = icl.complete(loaded, prompt, max_new_tokens=4)
    assert isinstance(answer, str) and "\n" not in answer
    ids = loaded.tokenizer(prompt, return_tensors="pt").input_ids
    expected = loaded.model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=0)[0, ids.size(1):]
    first_line = loaded.tokenizer.decode(expected, skip_special_tokens=True).strip().split("\n")[0].strip()
    assert answer == first_line


def test_offline_few_shot_cell_falls_back(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.load_causal_lm("rinna/japanese-gpt2-medium") is None
    assert "オフライン" in capsys.readouterr().out

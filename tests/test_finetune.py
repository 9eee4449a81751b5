"""Fine-tuning helpers (llm_shikumi.finetune): the loss mask, the classifier head, the generated dataset."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from llm_shikumi import finetune as ft
from llm_shikumi import novel
from llm_shikumi.gpt import GPT, GPTConfig


def tiny_gpt(vocab_size=20, seed=0):
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=vocab_size, block_size=16, d_model=16, n_heads=2, n_layers=1))


def test_build_example_masks_prompt_and_padding():
    inputs, labels = ft.build_example([5, 6, 7], [8, 9], max_len=6, pad_id=0)
    # full sequence 5 6 7 8 9: inputs drop the last token, labels are shifted by one
    assert inputs.tolist() == [5, 6, 7, 8, 0, 0]
    # position 2 (input 7, the last prompt token) predicts 8, the first response token
    assert labels.tolist() == [-100, -100, 8, 9, -100, -100]
    assert inputs.dtype == labels.dtype == torch.long


def test_build_example_rejects_too_long_and_empty():
    with pytest.raises(ValueError):
        ft.build_example([1, 2, 3], [4, 5], max_len=3, pad_id=0)
    with pytest.raises(ValueError):
        ft.build_example([1, 2], [], max_len=5, pad_id=0)


def test_masked_loss_counts_only_response_tokens():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 7)
    labels = torch.tensor([[-100, -100, 3, 4, -100], [-100, 1, 2, -100, -100]])
    loss = ft.masked_lm_loss(logits, labels)
    keep = labels != -100
    reference = F.cross_entropy(logits[keep], labels[keep])  # mean over the 4 kept positions
    assert torch.allclose(loss, reference, atol=1e-6)
    # changing the logits where the label is masked does not change the loss
    changed = logits.clone()
    changed[~keep] += 100 * torch.randn_like(changed[~keep])
    assert torch.allclose(ft.masked_lm_loss(changed, labels), loss, atol=1e-6)


def test_masked_loss_gradient_is_zero_on_prompt_positions():
    model = tiny_gpt()
    inputs, labels = ft.build_example([1, 2, 3, 4], [5, 6], max_len=8, pad_id=0)
    logits = model(inputs[None])  # (1, 8, V)
    logits.retain_grad()
    ft.masked_lm_loss(logits, labels[None]).backward()
    grad_norm = logits.grad[0].norm(dim=-1)  # (8,)
    assert (grad_norm[labels == -100] == 0).all()
    assert (grad_norm[labels != -100] > 0).all()


def test_instruction_batch_shapes_and_labels():
    text = "吾輩は猫である。"
    vocab = sorted(set(ft.format_prompt(ft.COMMA_INSTRUCTION, text) + "ない一つ二以上" + ft.END))
    stoi = {ch: i for i, ch in enumerate(vocab)}
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731
    examples = ft.make_examples([text], tasks=("comma",))
    assert examples[0].answer == "ない" and examples[0].label == 0
    x, y = ft.instruction_batch(examples, encode, pad_id=0)
    n_prompt = len(examples[0].prompt)
    assert x.shape == y.shape == (1, n_prompt + len("ない\n") - 1)
    kept = y[0][y[0] != -100].tolist()
    assert kept == encode("ない\n")


def test_hidden_states_feed_the_lm_head():
    model = tiny_gpt()
    idx = torch.randint(0, 20, (3, 9))
    with torch.no_grad():
        assert torch.allclose(model.head(ft.hidden_states(model, idx)), model(idx), atol=1e-5)


def test_classifier_ignores_right_padding():
    model = ft.GPTClassifier(tiny_gpt(), n_classes=3)
    model.eval()
    ids = torch.tensor([[4, 5, 6, 0, 0], [4, 5, 6, 7, 8]])
    with torch.no_grad():
        padded = model(ids, torch.tensor([3, 5]))  # (2, 3)
        alone = model(ids[:1, :3], torch.tensor([3]))  # (1, 3)
    assert padded.shape == (2, 3)
    assert torch.allclose(padded[0], alone[0], atol=1e-5)


def test_fresh_copy_is_independent():
    model = tiny_gpt()
    clone = ft.fresh_copy(model)
    idx = torch.randint(0, 20, (1, 6))
    with torch.no_grad():
        assert torch.allclose(clone(idx), model(idx))
        clone.tok_emb.weight.add_(1.0)
        assert not torch.allclose(clone(idx), model(idx))


def test_comma_labels_and_balanced_sets():
    assert [ft.comma_label(s) for s in ["猫。", "猫、犬。", "猫、犬、鳥、魚。"]] == [0, 1, 2]
    examples = ft.make_examples(novel.load_sentences("train"), tasks=("comma",))
    even = ft.balanced(examples, seed=0)
    counts = [sum(e.label == k for e in even) for k in range(3)]
    assert counts[0] == counts[1] == counts[2] > 0


def test_held_out_sentences_are_not_in_training():
    train = {e.text for e in ft.make_examples(novel.load_sentences("train"))}
    test = {e.text for e in ft.make_examples(novel.load_sentences("test"))}
    assert train and test and not train & test


def test_generate_answers_stops_at_end_and_keeps_order():
    model = tiny_gpt(vocab_size=6)
    with torch.no_grad():  # make token 5 ("\n") the only likely next token after anything
        model.head.weight.zero_()
        model.head.weight[5] = 1.0
        model.ln_f.bias.fill_(1.0)
        model.ln_f.weight.zero_()
    chars = "abcde\n"
    encode = lambda s: [chars.index(c) for c in s]  # noqa: E731
    decode = lambda ids: "".join(chars[i] for i in ids)  # noqa: E731
    answers = ft.generate_answers(model, ["ab", "abc", "cd"], encode, decode, max_new_tokens=3)
    assert answers == ["", "", ""]


def test_exact_match_normalises():
    assert ft.exact_match([" ２つ ", "一つ", "ない"], ["2つ", "一つ", "二つ以上"]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        ft.exact_match(["a"], [])


def test_response_loss_equals_masked_loss_of_full_logits():
    model = tiny_gpt()
    x, y = zip(*[ft.build_example([1, 2, 3], [4, 5, 6], 8, 0), ft.build_example([7, 8], [9], 8, 0)])
    inputs, labels = torch.stack(x), torch.stack(y)  # (2, 8)
    fast = ft.response_loss(model, inputs, labels)
    assert torch.allclose(fast, ft.masked_lm_loss(model(inputs), labels), atol=1e-5)


def test_template_characters_are_in_the_novels_vocabulary():
    from llm_shikumi import rnn

    stoi = rnn.novel_char_data().stoi
    text = ft.format_prompt(ft.COMMA_INSTRUCTION, "") + ft.format_prompt(ft.COPY_INSTRUCTION, "") + \
        "".join(ft.COMMA_ANSWERS) + ft.END
    assert [ch for ch in text if ch not in stoi] == []

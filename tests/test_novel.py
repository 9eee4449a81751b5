"""The real-text corpus: cleaned as documented, split by position, held-out text never in training."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from llm_shikumi import lm_eval, novel

AOZORA = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "wagahaiwa_nekodearu.txt"


def test_novel_has_its_eleven_chapters_in_order():
    chapters = novel.load_chapters()
    assert list(chapters) == list(novel.CHAPTERS)
    assert chapters["一"][0] == "吾輩は猫である。名前はまだ無い。"
    assert all(len(paragraphs) >= 20 for paragraphs in chapters.values())


def test_no_aozora_notation_left():
    text = novel.NOVEL_PATH.read_text(encoding="utf-8")
    for mark in "《》｜［］※〔〕":
        assert mark not in text, f"青空文庫の記号 {mark} が残っています"
    assert "底本" not in text and "青空文庫" not in text  # the colophon lives in the data card
    assert "底本：" in (novel.DATA_DIR / "wagahai.md").read_text(encoding="utf-8")


def test_clean_line_examples():
    assert novel.clean_line("　吾輩《わがはい》は猫である。") == "吾輩は猫である。"
    assert novel.clean_line("一番｜獰悪《どうあく》な種族") == "一番獰悪な種族"
    assert novel.clean_line("主人は※［＃「言＋墟のつくり」、第4水準2-88-74］と") == "主人は〓と"
    assert novel.clean_line("［＃ここから２字下げ］") == ""


@pytest.mark.skipif(not AOZORA.exists(), reason="shared/corpora is not beside this checkout")
def test_shipped_copy_equals_a_rebuild(tmp_path):
    rebuilt = novel.build(AOZORA, tmp_path / "wagahai.txt")
    assert rebuilt.read_text(encoding="utf-8") == novel.NOVEL_PATH.read_text(encoding="utf-8")


def test_splits_are_by_chapter_and_cover_the_book():
    chapters = novel.load_chapters()
    joined = [p for name in ("train", "dev", "test") for p in novel.load_split(name)]
    assert joined == [p for paras in chapters.values() for p in paras]
    assert novel.load_split("test") == chapters["十一"]
    with pytest.raises(ValueError):
        novel.load_split("validation")


def test_no_held_out_paragraph_is_in_training():
    train = {novel.normalize(p) for p in novel.load_split("train")}
    for split in ("dev", "test"):
        shared = [p for p in novel.load_split(split) if novel.normalize(p) in train]
        assert all(len(novel.normalize(p)) <= 4 for p in shared), shared


def test_sentences_shared_with_training_are_only_short_interjections():
    """After NFKC and dropping punctuation, a held-out sentence found in training is at most 4 characters (「ええ」)."""
    train = {novel.normalize(s) for s in novel.load_sentences("train")}
    for split in ("dev", "test"):
        sentences = novel.load_sentences(split)
        shared = [s for s in sentences if novel.normalize(s) in train]
        assert len(shared) < 0.01 * len(sentences)
        assert all(len(novel.normalize(s)) <= 4 for s in shared), shared


def test_normalize_removes_width_space_and_punctuation():
    assert novel.normalize("「ＡＢ　c。」") == novel.normalize("AB c")


def test_split_text_ends_each_paragraph_with_a_newline():
    text = novel.split_text("test")
    assert text.count("\n") == len(novel.load_split("test"))
    assert text.endswith("\n")


def test_bits_per_character_and_perplexity():
    assert lm_eval.bits_per_character(math.log(2) * 12, 4) == pytest.approx(3.0)
    assert lm_eval.perplexity(math.log(5) * 3, 3) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        lm_eval.bits_per_character(1.0, 0)


def test_char_unigram_charges_unknown_words():
    speller = lm_eval.CharUnigram("ねこねこいぬ")
    assert speller.nats("ねこ") < speller.nats("ねずみ")  # ず and み are unseen
    assert lm_eval.map_unknown_chars("ねずみ", speller.vocabulary) == "ね" + lm_eval.UNK_CHAR * 2
    # a distribution: probabilities over the vocabulary sum to 1
    assert sum(math.exp(lp) for lp in speller.logprob.values()) == pytest.approx(1.0)


def test_compressor_baseline_uses_the_training_text():
    train = "吾輩は猫である。名前はまだ無い。" * 50
    seen = lm_eval.compressor_bits_per_character(train, "吾輩は猫である。名前はまだ無い。" * 2)
    unseen = lm_eval.compressor_bits_per_character(train, "どこで生れたかとんと見当がつかぬ。" * 2)
    assert 0 <= seen < unseen  # text seen in training costs (almost) nothing

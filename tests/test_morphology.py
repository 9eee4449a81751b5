"""llm_shikumi.morphology against fugashi itself and known UniDic analyses."""
from llm_shikumi.morphology import (analyze, char_tokens, display_width, format_table, get_tagger, tokenize,
                                   word_frequencies)


def test_sumomo_is_split_into_seven_morphemes():
    assert tokenize("すもももももももものうち") == ["すもも", "も", "もも", "も", "もも", "の", "うち"]


def test_tokenize_matches_fugashi():
    text = "吾輩は猫である。名前はまだ無い。"
    assert tokenize(text) == [w.surface for w in get_tagger()(text)]


def test_analyze_gives_pos_base_form_and_reading():
    m = {x.surface: x for x in analyze("ケーキを食べました")}
    assert (m["食べ"].pos, m["食べ"].base_form, m["食べ"].reading) == ("動詞", "食べる", "タベ")
    assert m["を"].pos == "助詞"
    assert m["ケーキ"].lemma == "ケーキ"  # the loanword origin "-cake" is dropped


def test_unknown_words_fall_back_to_the_surface():
    unknown = [m for m in analyze("ChatGPTを使う") if m.is_unknown]
    assert unknown and unknown[0].base_form == unknown[0].surface and unknown[0].reading == ""


def test_word_frequencies_count_content_base_forms():
    counts = word_frequencies("猫が好きです。猫は走った。犬も走る。")
    assert counts["猫"] == 2 and counts["走る"] == 2
    assert "が" not in counts and "。" not in counts


def test_char_tokens_skip_spaces():
    assert char_tokens("形態 素") == ["形", "態", "素"]


def test_format_table_has_a_header_and_one_row_per_morpheme():
    lines = format_table(analyze("猫が鳴く")).splitlines()
    assert lines[0].split()[0] == "表層形" and len(lines) == 4


def test_format_table_aligns_columns_by_display_width():
    lines = format_table(analyze("ケーキを食べました")).splitlines()
    starts = {display_width(line[: line.index(word)]) for line, word in zip(lines, ["品詞", "名詞", "助詞", "動詞"])}
    assert len(starts) == 1, lines  # the second column starts at the same place on every line

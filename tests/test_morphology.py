"""llm_shikumi.morphology against fugashi itself and known UniDic analyses."""
import pytest

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
    assert word_frequencies(analyze("猫が好きです。猫は走った。犬も走る。")) == counts  # morphemes work too


def test_char_tokens_skip_spaces():
    assert char_tokens("形態 素") == ["形", "態", "素"]


def test_format_table_has_a_header_and_one_row_per_morpheme():
    lines = format_table(analyze("猫が鳴く")).splitlines()
    assert lines[0].split()[0] == "表層形" and len(lines) == 4


def test_format_table_aligns_columns_by_display_width():
    lines = format_table(analyze("ケーキを食べました")).splitlines()
    starts = {display_width(line[: line.index(word)]) for line, word in zip(lines, ["品詞", "名詞", "助詞", "動詞"])}
    assert len(starts) == 1, lines  # the second column starts at the same place on every line


# --- lattice and Viterbi ------------------------------------------------------------------
from llm_shikumi.morphology import (  # noqa: E402
    BOS,
    EOS,
    SUMOMO_CONNECTION,
    SUMOMO_DICTIONARY,
    LatticeWord,
    build_lattice,
    lattice_paths,
    path_cost,
    viterbi,
)


def test_sumomo_lattice_best_path_is_the_right_reading():
    text = "すもももももももものうち"
    lattice = build_lattice(text, SUMOMO_DICTIONARY)
    cost, path = viterbi(lattice, len(text), SUMOMO_CONNECTION)
    assert [w.surface for w in path] == ["すもも", "も", "もも", "も", "もも", "の", "うち"]
    assert cost == path_cost(path, SUMOMO_CONNECTION) == 15
    # without connection costs a run of the particle も is cheaper: the connection costs matter
    free = {pair: 0 for pair in SUMOMO_CONNECTION}
    _, path = viterbi(lattice, len(text), free)
    assert [w.surface for w in path][:4] == ["すもも", "も", "も", "も"]


def _random_lattice(rng, n):
    pos = ["名詞", "助詞", "動詞"]
    lattice = [LatticeWord(s, s + 1, f"c{s}", str(rng.choice(pos)), int(rng.integers(0, 4))) for s in range(n)
               if rng.random() < 0.9]
    for _ in range(2 * n):
        s = int(rng.integers(0, n))
        e = int(rng.integers(s + 1, min(n, s + 3) + 1))
        lattice.append(LatticeWord(s, e, f"w{s}-{e}-{len(lattice)}", str(rng.choice(pos)), int(rng.integers(0, 4))))
    connection = {(a, b): int(rng.integers(0, 4)) for a in [BOS, *pos] for b in [*pos, EOS]}
    return lattice, connection


def test_viterbi_equals_brute_force_on_random_lattices_including_ties_and_gaps():
    import numpy as np

    rng = np.random.default_rng(0)
    unreachable = 0
    for _ in range(300):
        n = int(rng.integers(1, 8))
        lattice, connection = _random_lattice(rng, n)
        paths = list(lattice_paths(lattice, n))
        result = viterbi(lattice, n, connection)
        if not paths:
            assert result is None
            unreachable += 1
            continue
        best = min((path_cost(p, connection), len(p)) for p in paths)  # ties: fewer words
        cost, path = result
        assert (cost, len(path)) == best
        assert cost == path_cost(path, connection)
    assert unreachable > 0  # the random lattices include gaps


def test_viterbi_empty_text_and_path_cost_checks_order():
    assert viterbi([], 0, {(BOS, EOS): 2}) == (2, [])
    a = LatticeWord(0, 1, "a", "名詞", 1)
    c = LatticeWord(2, 3, "c", "名詞", 1)
    with pytest.raises(ValueError, match="starts at 2"):
        path_cost([a, c], SUMOMO_CONNECTION)
    assert path_cost([], SUMOMO_CONNECTION) == 0

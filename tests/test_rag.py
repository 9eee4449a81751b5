"""Retrieval-augmented generation over the book (llm_shikumi.rag): passages, terms, BM25 against a
hand-computed example, TF-IDF, dense retrieval, ranking, recall@k, the prompt, the course's questions,
and the online generation path on a tiny local model."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from llm_shikumi import hub, rag
from llm_shikumi.word2vec import WordVectors

from tiny_models import save_tiny_gpt2

ROOT = Path(__file__).resolve().parents[1]


# --- indexing ---------------------------------------------------------------------------------

def test_search_terms_are_base_forms_without_particles():
    assert rag.search_terms("猫が魚を食べました。") == ["猫", "魚", "食べる"]
    assert rag.search_terms("ＢＥＲＴ") == ["bert"]  # NFKC + lower case
    assert rag.search_terms("") == []


def test_clean_markdown_drops_roles_and_fences_but_keeps_tokens():
    text = "値は {glue:text}`x:.2f` です {cite}`ch04-a`。**太字** と `<unk>`\n```{bibliography}\n:filter: x\n```"
    cleaned = rag.clean_markdown(text)
    assert "glue" not in cleaned and "cite" not in cleaned and "bibliography" not in cleaned
    assert "太字" in cleaned and "**" not in cleaned and "<unk>" in cleaned


def _notebook(tmp_path: Path, name: str, cells: list[tuple[str, str]]) -> Path:
    nb = {"cells": [{"cell_type": t, "metadata": {}, "source": s, **({"outputs": [], "execution_count": None}
                                                                    if t == "code" else {})} for t, s in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "chapters").mkdir(exist_ok=True)
    path = tmp_path / "chapters" / name
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


def test_chapter_passages_follow_headings_and_skip_references(tmp_path):
    path = _notebook(tmp_path, "03_demo.ipynb", [
        ("markdown", "# 見出しの章\n\n章の始めの文章です。これは導入の段落です。"),
        ("code", "print('コードは索引に入りません')"),
        ("markdown", "## 第一の節\n\n" + "長い文です。" * 40),
        ("markdown", "### 小節\n\n小節の本文はここにあります。十分な長さがあります。"),
        ("markdown", "## 参考文献\n\n```{bibliography}\n:filter: docname in docnames\n```"),
    ])
    passages = rag.chapter_passages(path, max_chars=100)
    assert {p.chapter for p in passages} == {"chapters/03_demo"}
    assert {p.chapter_title for p in passages} == {"見出しの章"}
    assert [p.section for p in passages][0] == ""
    assert "第一の節" in {p.section for p in passages} and "小節" in {p.section for p in passages}
    assert "参考文献" not in {p.section for p in passages}
    assert all("コード" not in p.text for p in passages)
    long = [p for p in passages if p.section == "第一の節"]
    assert len(long) == 3 and all(len(p.text) <= 100 for p in long)  # 240 characters cut at sentence ends
    assert passages[1].label == "第 3 章「第一の節」"
    # book_passages reads every chapter of a root, leaving out the excluded prefixes
    _notebook(tmp_path, "12_rag.ipynb", [("markdown", "# RAG\n\nこの章そのものは索引に入れません。説明の文章です。")])
    assert {p.chapter for p in rag.book_passages(tmp_path)} == {"chapters/03_demo"}


def test_book_passages_cover_every_chapter_of_this_repository():
    passages = rag.book_passages(ROOT)
    chapters = {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb") if not p.name.startswith("12_")}
    assert {p.chapter for p in passages} == chapters
    assert all("{glue" not in p.text and "{cite}" not in p.text for p in passages)


# --- the course's questions ------------------------------------------------------------------

def test_questions_have_existing_gold_sections_and_paraphrase():
    questions = rag.load_questions()
    passages = rag.book_passages(ROOT)
    sections = {(p.chapter, p.section) for p in passages}
    assert len(questions) >= 30
    assert len({q.question for q in questions}) == len(questions), "duplicate questions"
    missing = [(q.chapter, q.section) for q in questions if (q.chapter, q.section) not in sections]
    assert not missing, f"gold sections not in the book (renamed heading?): {missing}"
    # paraphrased: no question shares a 15-character stretch with the prose
    prose = "\n".join(p.text for p in passages)
    copied = [q.question for q in questions
              if any(q.question[i:i + 15] in prose for i in range(max(1, len(q.question) - 14)))]
    assert not copied, f"questions copied from the text: {copied}"
    assert {q.chapter for q in questions} >= {"chapters/01_morphological_analysis", "chapters/04_word2vec",
                                             "chapters/08_transformer", "chapters/10_gpt"}


# --- retrieval -------------------------------------------------------------------------------

DOCS = [["a", "b"], ["a", "c", "c"], ["d"]]


def test_bm25_matches_a_hand_computed_example():
    index = rag.BM25Index(DOCS, k1=1.5, b=0.75)
    # N = 3, avgdl = 2, df(c) = 1: idf = ln(1 + 2.5 / 1.5) = ln(8/3); doc 1: tf 2, |d| = 3
    # tf part = 2 * 2.5 / (2 + 1.5 * (0.25 + 0.75 * 3 / 2)) = 5 / 4.0625
    expected = math.log(8 / 3) * 5 / 4.0625
    assert index.scores(["c"]) == pytest.approx([0.0, expected, 0.0])
    # df(a) = 2: idf = ln(1 + 1.5 / 2.5); doc 0: tf 1, |d| = 2 -> 2.5 / (1 + 1.5) = 1
    a0 = math.log(1.6)
    a1 = math.log(1.6) * 2.5 / (1 + 1.5 * (0.25 + 0.75 * 1.5))
    assert index.scores(["a"]) == pytest.approx([a0, a1, 0.0])
    assert index.scores(["a", "c"]) == pytest.approx([a0, a1 + expected, 0.0])
    assert index.scores(["c", "c"]) == pytest.approx([0.0, 2 * expected, 0.0])  # a repeated query term counts twice


def test_bm25_edge_cases():
    index = rag.BM25Index(DOCS)
    assert index.scores([]).tolist() == [0.0, 0.0, 0.0]
    assert index.scores(["unseen"]).tolist() == [0.0, 0.0, 0.0]
    # b = 0: no length normalisation; k1 = 0: only presence counts
    flat = rag.BM25Index([["x"], ["x", "y", "y", "y"]], k1=1.2, b=0.0)
    assert flat.scores(["x"])[0] == pytest.approx(flat.scores(["x"])[1])
    binary = rag.BM25Index([["y"], ["y", "y", "y"], ["z"]], k1=0.0)
    assert binary.scores(["y"])[0] == pytest.approx(binary.scores(["y"])[1])
    assert binary.scores(["y"])[0] > 0 and binary.scores(["y"])[2] == 0
    assert rag.BM25Index([]).scores(["x"]).shape == (0,)


def test_tfidf_is_cosine_of_smoothed_tfidf_vectors():
    index = rag.TfidfIndex(DOCS)
    idf = {t: math.log(4 / (1 + df)) + 1 for t, df in {"a": 2, "b": 1, "c": 1, "d": 1}.items()}
    doc1 = np.array([idf["a"], 0, 2 * idf["c"], 0])
    query = np.array([0, 0, idf["c"], 0])
    expected = doc1 @ query / (np.linalg.norm(doc1) * np.linalg.norm(query))
    assert index.scores(["c"])[1] == pytest.approx(expected)
    assert index.scores(["d"]) == pytest.approx([0, 0, 1])
    assert index.scores(["zzz"]).tolist() == [0, 0, 0]


def test_dense_index_averages_unit_word_vectors():
    wv = WordVectors(["a", "b", "c", "d"], np.eye(4) * 3)
    index = rag.DenseIndex(DOCS, wv)
    scores = index.scores(["c"])
    assert scores == pytest.approx([0.0, 2 / math.sqrt(5), 0.0])  # doc 1 = (a + 2c) / |a + 2c|
    assert index.scores(["zzz"]).tolist() == [0.0, 0.0, 0.0]
    weighted = rag.DenseIndex(DOCS, wv, weights={"a": 0.0, "c": 1.0})
    assert weighted.scores(["c"])[1] == pytest.approx(1.0)


def test_top_k_is_deterministic_with_ties():
    assert rag.top_k([0.5, 2.0, 2.0, 1.0], 3) == [1, 2, 3]
    assert rag.top_k([1.0, 1.0, 1.0], 2) == [0, 1]
    assert rag.top_k([3.0, 1.0], 10) == [0, 1]
    assert rag.top_k([3.0, 1.0], 0) == [] and rag.top_k([], 3) == []
    assert all(isinstance(i, int) for i in rag.top_k(np.array([1.0, 2.0]), 2))


def test_recall_at_k():
    rankings = [["x", "y", "z"], ["y", "z", "x"], ["z", "z", "z"]]
    gold = ["x", "x", "y"]
    assert rag.recall_at_k(rankings, gold, 1) == pytest.approx(1 / 3)
    assert rag.recall_at_k(rankings, gold, 3) == pytest.approx(2 / 3)
    assert rag.recall_at_k(rankings, [{"x"}, {"x", "y"}, {"z"}], 1) == 1.0
    assert rag.recall_at_k([], [], 5) == 0.0
    with pytest.raises(ValueError):
        rag.recall_at_k(rankings, gold[:2], 1)


def test_bm25_finds_most_gold_sections_of_the_course_questions():
    passages = rag.book_passages(ROOT)
    index = rag.BM25Index([rag.search_terms(p.text) for p in passages])
    recall = rag.evaluate(index, passages, rag.load_questions(), ks=(1, 5))
    assert recall[1] <= recall[5]
    assert recall[5] >= 0.5, recall
    chapter = rag.evaluate(index, passages, rag.load_questions(), ks=(5,), level="chapter")
    assert chapter[5] >= recall[5]


# --- augmentation and generation ------------------------------------------------------------

P1 = rag.Passage("chapters/04_word2vec", "分散表現と word2vec", "負例サンプリング", "負例は出現回数を 0.75 乗した分布から選びます。")
P2 = rag.Passage("chapters/02_ngram_language_model", "N-gram", "スムージング", "未出現の並びにも確率を回します。" * 5)


def test_build_prompt_keeps_rank_order_within_the_budget():
    full = rag.build_prompt("負例はどう選びますか？", [P1, P2], max_chars=10_000)
    assert full.index("[資料 1] 第 4 章「負例サンプリング」") < full.index("[資料 2] 第 2 章「スムージング」")
    assert full.startswith(rag.PROMPT_HEAD) and full.endswith("質問: 負例はどう選びますか？\n答え:")
    short = rag.build_prompt("負例はどう選びますか？", [P1, P2], max_chars=len(full) - 1)
    assert len(short) <= len(full) - 1 and "[資料 1]" in short and "[資料 2]" not in short
    # the first passage too long: no passage, but the question is still asked
    bare = rag.build_prompt("質問", [P2, P1], max_chars=120)
    assert "[資料" not in bare and bare.endswith("質問: 質問\n答え:")


def test_extractive_answer_copies_the_best_matching_sentence():
    answer, source = rag.extractive_answer("負例はどんな分布から選びますか？", [P2, P1])
    assert answer == "負例は出現回数を 0.75 乗した分布から選びます。" and source is P1
    assert rag.extractive_answer("ｘｙｚ", [P1]) == ("", None)


@pytest.fixture(scope="module")
def tiny_chat_model(tmp_path_factory):
    template = ("{% for m in messages %}{{ m['content'] }}{% endfor %}"
                "{% if add_generation_prompt %}答え{% endif %}")
    return save_tiny_gpt2(tmp_path_factory.mktemp("tiny-chat-gpt2"), ["<unk>", "<eos>", *"資料質問答え負例はどう選びますか？"],
                          n_positions=512, chat_template=template, eos_token="<eos>", pad_token="<eos>")


def test_generate_answer_runs_the_online_code_path_on_a_tiny_local_model(tiny_chat_model):
    loaded = hub.load_causal_lm(str(tiny_chat_model))
    assert loaded is not None and loaded.tokenizer.chat_template
    assert len(loaded.tokenizer("負例はどう").input_ids) == 5
    prompt = rag.build_prompt("負例はどう選びますか？", [P1])
    answer = rag.generate_answer(loaded, prompt, max_new_tokens=5)
    assert isinstance(answer, str) and "資料" not in answer  # only the new tokens come back
    loaded.tokenizer.chat_template = None  # a base model: the prompt as it is
    assert isinstance(rag.generate_answer(loaded, prompt, max_new_tokens=3), str)

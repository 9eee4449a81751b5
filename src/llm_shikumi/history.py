"""The road to LLMs as a timeline (chapter 12): the dates of the lecture material, each linked to the
chapter of this book that builds the idea.

:data:`TIMELINE` is plain data (tested: years in order, every chapter exists); :func:`plot_timeline`
draws it with Japanese labels. Years are those of the first publication (arXiv or conference);
:attr:`Milestone.note` says when the better-known venue came later (Bahdanau et al.: arXiv 2014,
ICLR 2015; BERT: arXiv 2018, NAACL 2019).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt


@dataclass(frozen=True)
class Milestone:
    """One step on the road to LLMs."""

    year: int
    name: str  # short Japanese label for the figure
    what: str  # one sentence in Japanese: what it brought
    chapter: str  # docname of the chapter that builds it, e.g. "chapters/04_word2vec"
    cite: str  # key in references.bib (without a chapter prefix)
    note: str = ""


TIMELINE: tuple[Milestone, ...] = (
    Milestone(1997, "LSTM", "ゲートで記憶を守り、長い系列でも勾配が消えにくい RNN", "chapters/05_rnn",
              "hochreiter1997long"),
    Milestone(2003, "ニューラル言語モデル", "単語の分散表現と次の単語の予測を一つのネットワークで同時に学習（Bengio ら）",
              "chapters/04_word2vec", "bengio2003neural"),
    Milestone(2006, "深層自己符号化器", "多層のネットワークを事前学習で学習できることを示し、深層学習の流れを作った（Hinton ら）",
              "chapters/04_word2vec", "hinton2006reducing", "本書では作りません。分散表現の考え方として第 4 章で触れます"),
    Milestone(2013, "word2vec", "周りの単語の予測から単語ベクトルを高速に学習。王 − 男 + 女 ≈ 女王（Mikolov ら）",
              "chapters/04_word2vec", "mikolov2013efficient"),
    Milestone(2014, "seq2seq", "LSTM のエンコーダ・デコーダで英仏翻訳 BLEU 34.81（Sutskever ら）",
              "chapters/06_seq2seq", "sutskever2014sequence"),
    Milestone(2014, "注意機構", "訳語ごとに原文を見直す柔らかい検索（Bahdanau ら）", "chapters/07_attention",
              "bahdanau2015neural", "arXiv 2014 年、ICLR 2015 年"),
    Milestone(2016, "GNMT", "注意機構つきの深い LSTM による Google のニューラル機械翻訳（Wu ら）",
              "chapters/07_attention", "wu2016google"),
    Milestone(2017, "Transformer", "再帰をやめ、注意機構だけで系列を読む（Vaswani ら）", "chapters/08_transformer",
              "vaswani2017attention"),
    Milestone(2018, "GPT", "デコーダだけの Transformer を次のトークンの予測で事前学習（Radford ら）", "chapters/10_gpt",
              "radford2018improving"),
    Milestone(2018, "BERT", "エンコーダだけの Transformer を穴埋めで事前学習し、ファインチューニング（Devlin ら）",
              "chapters/09_bert", "devlin2019bert", "arXiv 2018 年、NAACL 2019 年"),
    Milestone(2019, "GPT-2", "大きくした GPT が、教えていない仕事もある程度こなす（Radford ら）", "chapters/10_gpt",
              "radford2019language"),
    Milestone(2020, "GPT-3", "1,750 億パラメータ。例をプロンプトに並べるだけで仕事を覚える文脈内学習（Brown ら）",
              "chapters/11_finetuning_icl", "brown2020language"),
    Milestone(2020, "RAG", "検索した文書をプロンプトに加えて生成する検索拡張生成（Lewis ら）",
              "chapters/12_rag_history", "lewis2020retrieval"),
    Milestone(2022, "ChatGPT", "指示に従うように人のフィードバックで調整した GPT（InstructGPT, Ouyang ら）",
              "chapters/11_finetuning_icl", "ouyang2022training"),
)

# Chapters being written at the same time as this timeline (they may not exist yet in a checkout).
CHAPTERS_IN_PROGRESS = ("chapters/09_bert", "chapters/11_finetuning_icl")


def missing_chapters(root: str | Path, timeline=TIMELINE) -> list[str]:
    """Docnames of the timeline that have no notebook under ``root``."""
    return sorted({m.chapter for m in timeline if not (Path(root) / f"{m.chapter}.ipynb").exists()})


def chapter_number(docname: str) -> int:
    """``chapters/04_word2vec`` -> 4."""
    return int(Path(docname).name.split("_")[0])


def plot_timeline(timeline=TIMELINE, ax=None):
    """The timeline as a row of evenly spaced dots (in order, not to scale: the years crowd after 2013),
    each labelled with its year, name and the number of the chapter that builds it; labels alternate
    above and below the line on two heights so that they do not overlap. Returns the axes."""
    from llm_shikumi.plotting import use_japanese_font

    use_japanese_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 4.2))
    n = len(timeline)
    ax.axhline(0, color="#555555", lw=1.5, zorder=1)
    ax.scatter(range(n), [0] * n, color="#4C72B0", zorder=3, s=25)
    rows = (1.0, -1.0, 2.2, -2.2)  # above, below, higher above, lower below
    for i, m in enumerate(timeline):
        y = rows[i % 4]
        ax.plot([i, i], [0, y], color="#4C72B0", lw=0.8, zorder=1)
        ax.annotate(f"{m.year}\n{m.name}\n（第 {chapter_number(m.chapter)} 章）", (i, y),
                    ha="center", va="center", fontsize=8.5, zorder=2,
                    bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="#4C72B0", lw=0.8))
    ax.set_xlim(-0.8, n - 0.2)
    ax.set_ylim(-3.0, 3.0)
    ax.axis("off")
    ax.set_title("LLM への歩み（左から年の順。括弧は本書でその考えを作る章）")
    return ax


def markdown_table(timeline=TIMELINE) -> str:
    """The timeline as a MyST Markdown table, each entry with a {doc} link to its chapter."""
    rows = ["| 年 | できごと | 内容 | 本書の章 |", "| --- | --- | --- | --- |"]
    for m in timeline:
        note = f"（{m.note}）" if m.note else ""
        rows.append(f"| {m.year} | {m.name} | {m.what}{note} | {{doc}}`第 {chapter_number(m.chapter)} 章 </{m.chapter}>` |")
    return "\n".join(rows)

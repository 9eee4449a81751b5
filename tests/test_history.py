"""The timeline of chapter 12 (llm_shikumi.history): ordered years, chapters that exist, the figure,
and the table in the chapter matches the data."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from llm_shikumi import history

ROOT = Path(__file__).resolve().parents[1]


def test_years_are_ordered_and_in_range():
    years = [m.year for m in history.TIMELINE]
    assert years == sorted(years)
    assert 1990 <= years[0] and years[-1] <= 2025
    assert {2003, 2006, 2013, 2014, 2016, 2017, 2018, 2019, 2020} <= set(years)


def test_every_entry_links_to_an_existing_chapter():
    missing = set(history.missing_chapters(ROOT))
    assert missing <= set(history.CHAPTERS_IN_PROGRESS), f"timeline links to missing chapters: {missing}"
    assert (ROOT / "chapters" / "12_rag_history.ipynb").exists()


def test_facts_of_the_lecture_material():
    by_name = {m.name: m for m in history.TIMELINE}
    assert "34.81" in by_name["seq2seq"].what
    assert by_name["ニューラル言語モデル"].year == 2003 and by_name["word2vec"].year == 2013
    assert by_name["Transformer"].year == 2017 and by_name["GPT-3"].year == 2020


def test_every_citation_is_in_the_bibliography():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    missing = [m.cite for m in history.TIMELINE if f"{{{m.cite}," not in bib]
    assert not missing, missing


def test_figure_has_one_label_per_entry():
    ax = history.plot_timeline()
    labels = [t.get_text() for t in ax.texts]
    assert len(labels) == len(history.TIMELINE)
    assert all(f"第 {history.chapter_number(m.chapter)} 章" in label for m, label in zip(history.TIMELINE, labels))


def test_chapter_table_is_generated_from_the_data():
    nb = json.loads((ROOT / "chapters" / "12_rag_history.ipynb").read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert history.markdown_table() in markdown, "run history.markdown_table() and paste it into chapter 12"

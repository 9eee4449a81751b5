"""The search splitter indexes MeCab's words and the compound nouns readers search for."""
from book_tools.search import CompoundSplitter, compounds, split_for_search


def test_morphological_analysis_is_found_by_its_parts_and_compounds():
    words = split_for_search("形態素解析を学びます")
    for expected in ("形態", "解析", "形態素", "形態素解析"):
        assert expected in words
    assert "素解" not in words  # the default splitter's mistake


def test_compounds_are_contiguous_runs():
    assert compounds(["a", "b", "c"]) == ["ab", "abc", "bc"]
    assert compounds(["a"]) == []


def test_sphinx_can_instantiate_it():
    assert "解析" in CompoundSplitter({}).split("解析")

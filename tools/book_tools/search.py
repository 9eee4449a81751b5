"""Japanese word splitter for the book's full-text search (Sphinx ``html_search_options``).

Sphinx's default Japanese splitter cuts 形態素解析 into 形態/素解/析, so a search for 解析 finds
nothing. Splitting with MeCab (fugashi + unidic-lite) gives 形態/素/解析; Sphinx then drops the
one-character word 素, and the search page does not split the reader's query, so 形態素 would
still find nothing. This splitter therefore indexes MeCab's words *and* the compounds formed by
runs of consecutive nouns (形態素, 素解析, 形態素解析), which is what readers type.
"""
from __future__ import annotations

from sphinx.search.ja import BaseSplitter

from llm_shikumi.morphology import get_tagger

# 品詞 that build compound nouns: 形態(名詞) + 素(接尾辞) + 解析(名詞)
COMPOUND_POS = {"名詞", "接頭辞", "接尾辞"}
MAX_COMPOUND = 4  # morphemes per compound; longer runs are rarely searched for


def compounds(run: list[str]) -> list[str]:
    """Every contiguous sub-run of 2..MAX_COMPOUND morphemes, joined."""
    return ["".join(run[i:j]) for i in range(len(run)) for j in range(i + 2, min(len(run), i + MAX_COMPOUND) + 1)]


def split_for_search(text: str) -> list[str]:
    words: list[str] = []
    run: list[str] = []
    for word in get_tagger()(text):
        words.append(word.surface)
        if word.feature.pos1 in COMPOUND_POS and word.surface.isalnum():
            run.append(word.surface)
        else:
            words.extend(compounds(run))
            run = []
    words.extend(compounds(run))
    return words


class CompoundSplitter(BaseSplitter):
    """``html_search_options: {type: book_tools.search.CompoundSplitter}`` (tools/ is on the build's sys.path: `local_extensions` in _config.yml)"""

    def split(self, input: str) -> list[str]:
        return split_for_search(input)

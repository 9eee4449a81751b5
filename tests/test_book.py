"""The built book, read from `_build/` (no browser): executed notebooks, launch buttons, search index.

`make test` builds the book (`make book`) before pytest runs; these tests only read the result.
They are all marked slow because they need that build (`make test-fast` does not build the book).
"""
from __future__ import annotations

import re


import pytest
from sphinx.search.ja import DefaultSplitter

from llm_shikumi.morphology import tokenize as mecab_words

from site_helpers import (
    CACHE_DIR,
    MORPHOLOGY_CHAPTER,
    REPO_ROOT,
    binder_links,
    cached_execution,
    colab_links,
    configured_repository,
    docs_of_term,
    executed_code_cells,
    missing_glyph_warnings,
    page_links,
    read_config,
    read_search_index,
    remote_assets,
    remote_css_urls,
    site_pages,
    source_of,
    toc_docnames,
    token_spans,
)

pytestmark = pytest.mark.slow


def _executed_notebooks() -> dict[str, dict]:
    """The executed notebooks of the `_toc.yml` pages that the build runs (not exercises/, which
    `_config.yml` excludes from execution), as the build's jupyter-cache holds them for their current
    source: {source path: notebook JSON}; a page the cache has no execution of maps to {}."""
    found = {}
    for docname in toc_docnames():
        source = source_of(docname)
        if source is None or source.suffix != ".ipynb" or docname.startswith("exercises/"):
            continue
        executed = cached_execution(source)
        found[str(source.relative_to(REPO_ROOT))] = executed[0] if executed else {}
    return found


def test_no_missing_glyph_warnings_in_executed_notebooks(built_html_dir):
    """No figure of the book was drawn with a font lacking Japanese glyphs: no executed notebook
    has matplotlib's "Glyph NNNNN (...) missing from font(s) ..." warning in its outputs."""
    notebooks = _executed_notebooks()
    executed = [path for path, nb in notebooks.items() if executed_code_cells(nb) > 0]
    assert executed and len(executed) == len(notebooks), (
        f"the build's jupyter-cache ({CACHE_DIR}) has no execution of the current version of "
        f"{sorted(set(notebooks) - set(executed)) or 'any notebook'}: was the book built with execution on?")

    warnings = {path: found for path, nb in notebooks.items() if (found := missing_glyph_warnings(nb))}
    assert not warnings, (
        "figures drawn with a font that lacks Japanese glyphs (call llm_shikumi.plotting.use_japanese_font() "
        "before plotting):\n" + "\n".join(f"  {path}: {line}" for path, lines in warnings.items() for line in lines))


def _chapter_and_exercise_pages() -> list[str]:
    return [d for d in toc_docnames() if d.startswith(("chapters/", "exercises/"))]


def test_toc_lists_chapters_and_exercises():
    """_toc.yml lists at least one chapter and one exercise (so the launch-button test checks something)."""
    pages = _chapter_and_exercise_pages()
    assert any(p.startswith("chapters/") for p in pages), f"_toc.yml lists no chapters/ page: {toc_docnames()}"
    assert any(p.startswith("exercises/") for p in pages), f"_toc.yml lists no exercises/ page: {toc_docnames()}"


@pytest.mark.parametrize("docname", _chapter_and_exercise_pages())
def test_launch_buttons_open_the_page_notebook(built_html_dir, docname):
    """The page of every chapter and exercise has a Colab and a Binder button, and each opens this
    page's own `.ipynb`, which exists in the repository, on the repository and branch of _config.yml."""
    source = source_of(docname)
    assert source is not None and source.suffix == ".ipynb", (
        f"{docname} (listed in _toc.yml) should be a notebook, {docname}.ipynb; found {source}")
    html = built_html_dir / f"{docname}.html"
    assert html.exists(), f"{docname} is in _toc.yml but the build made no {html.relative_to(REPO_ROOT)}"

    config, repo = read_config(), configured_repository()
    hrefs = page_links(html)
    expected_notebook = "/".join(filter(None, [repo.path_to_book, f"{docname}.ipynb"]))
    launch = config.get("launch_buttons") or {}
    buttons = {
        "Colab": colab_links(hrefs, launch.get("colab_url") or "https://colab.research.google.com"),
        "Binder": binder_links(hrefs, launch.get("binderhub_url") or "https://mybinder.org"),
    }
    for kind, links in buttons.items():
        assert links, (f"{html.relative_to(REPO_ROOT)} has no {kind} launch button; its external links: "
                       f"{[h for h in hrefs if h.startswith('http')]}")
        for link in links:
            assert (link.owner, link.name, link.branch) == (repo.owner, repo.name, repo.branch), (
                f"{kind} button of {docname} opens {link.owner}/{link.name}@{link.branch}, but _config.yml's "
                f"repository is {repo.owner}/{repo.name}@{repo.branch}: {link.url}")
            assert link.notebook == expected_notebook, (
                f"{kind} button of {docname} opens {link.notebook!r}, expected {expected_notebook!r}: {link.url}")
            assert (REPO_ROOT / link.notebook).is_file(), (
                f"{kind} button of {docname} opens {link.notebook}, which is not in the repository: {link.url}")


def test_search_index_is_split_by_mecab(built_html_dir):
    """`searchindex.js` exists and its Japanese words were cut by MeCab (html_search_options type
    book_tools.search.CompoundSplitter), not Sphinx's default TinySegmenter: 形態素解析 is indexed with the words 形態 and 解析
    (MeCab with unidic-lite cuts 形態 | 素 | 解析, and Sphinx drops one-character words such as 素), so a
    search for 解析 finds the chapter; TinySegmenter would have cut 形態 | 素解 | 析. (A splitter that also
    indexes MeCab's noun compounds, 形態素 and 形態素解析, passes too.)"""
    path = built_html_dir / "searchindex.js"
    assert path.exists(), f"no search index {path}: the HTML build did not finish"
    index = read_search_index(path)
    assert MORPHOLOGY_CHAPTER in index["docnames"], (
        f"{MORPHOLOGY_CHAPTER} is not in the search index; indexed pages: {index['docnames']}")

    for term in ("解析", "形態"):
        assert MORPHOLOGY_CHAPTER in docs_of_term(index, term), (
            f"the search index does not list {MORPHOLOGY_CHAPTER} for the word {term!r} "
            f"(pages for it: {sorted(docs_of_term(index, term))}); is html_search_options.type book_tools.search.CompoundSplitter?")
    assert not docs_of_term(index, "素解"), (
        "the search index has the word 素解, TinySegmenter's cut of 形態素解析 (形態 | 素解 | 析), "
        "which MeCab never yields: the index was built with Sphinx's default splitter")

    # Every page title is indexed word by word as MeCab cuts it, and no indexed word of a title cuts
    # through one of MeCab's words the way the default splitter does (素解 in 形態|素|解析).
    default = DefaultSplitter({})
    for docname, title in zip(index["docnames"], index["titles"]):
        mecab_spans = token_spans(mecab_words(title), title)
        missing = sorted({w.lower() for w, _, _ in mecab_spans
                          if len(w) > 1 and w.isalnum() and docname not in docs_of_term(index, w.lower())})
        assert not missing, f"title {title!r} of {docname}: MeCab's words {missing} are not in the search index"
        boundaries = {i for _, start, end in mecab_spans for i in (start, end)}
        cutting = sorted({w for w, start, end in token_spans(default.split(title), title)
                          if not {start, end} <= boundaries and docname in docs_of_term(index, w.lower())})
        assert not cutting, (f"title {title!r} of {docname}: the index has {cutting}, cut across MeCab's words "
                             f"{[w for w, _, _ in mecab_spans]}: not split by MeCab")


def test_site_has_only_the_pages_of_the_toc(built_html_dir):
    """The site publishes the pages of _toc.yml and nothing else (index.html, Sphinx's genindex and
    search pages aside): no stray Markdown or notebook (say `.pytest_cache/README.md`, or a draft)
    became a page or a search result. Fix: add its folder to `exclude_patterns` in _config.yml."""
    toc = set(toc_docnames())
    stray_pages = [p.relative_to(built_html_dir).as_posix() for p in site_pages(built_html_dir)
                   if p.relative_to(built_html_dir).with_suffix("").as_posix() not in toc | {"index"}]
    assert not stray_pages, f"pages built from files that _toc.yml does not list: {stray_pages}"
    index = read_search_index(built_html_dir / "searchindex.js")
    stray_docs = sorted(set(index["docnames"]) - toc)
    assert not stray_docs, f"search index lists pages that _toc.yml does not: {stray_docs}"


# --------------------------------------------------------------------------- self-contained HTML

MATHJAX_SCRIPT = "_static/mathjax/tex-mml-chtml.js"


def _all_html(built_html_dir):
    return sorted(p for p in built_html_dir.rglob("*.html") if "_static" not in p.relative_to(built_html_dir).parts)


def test_pages_load_nothing_from_other_hosts(built_html_dir):
    """No page of the site (genindex and search included) loads a script, stylesheet, image, icon or
    frame from another host, and no stylesheet in `_static` pulls a font or image from one: the site
    works from a plain static server with no network. (Links the reader clicks, such as launch buttons
    and references, may point anywhere.) The browser suite (test_site.py) also watches the requests."""
    problems = [f"{page.relative_to(built_html_dir)}: {asset}"
                for page in _all_html(built_html_dir)
                for asset in remote_assets(page.read_text(encoding="utf-8"))]
    problems += [f"{css.relative_to(built_html_dir)}: url({url})"
                 for css in sorted((built_html_dir / "_static").rglob("*.css"))
                 for url in remote_css_urls(css.read_text(encoding="utf-8", errors="replace"))]
    assert not problems, ("assets fetched from other hosts (offline they fail; serve them from _static):\n"
                          + "\n".join(problems))


def test_remote_asset_check_can_fail():
    """The check above finds a CDN script, a remote stylesheet and a web font in CSS, and leaves
    relative assets and ordinary links alone."""
    html = ('<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>'
            '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Noto+Sans+JP">'
            '<script src="_static/x.js"></script><img src="../_images/a.png"><a href="https://colab.research.google.com/">')
    assert remote_assets(html) == ['<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js">',
                                   '<link href="//fonts.googleapis.com/css?family=Noto+Sans+JP">']
    assert remote_css_urls("@font-face{src:url(https://fonts.gstatic.com/a.woff2)} b{src:url(f/a.woff)}") == [
        "https://fonts.gstatic.com/a.woff2"]


def test_mathjax_is_served_by_the_site(built_html_dir):
    """Every page with a formula loads MathJax from the site's own `_static/mathjax/` (installed from the
    npm package by `make mathjax`, copied by tools/book_tools/mathjax.py), and the files it needs at run
    time are there: the script, its TeX extensions and its web fonts."""
    mathjax = built_html_dir / MATHJAX_SCRIPT
    assert mathjax.is_file(), f"{mathjax} is missing: was the book built with `make book` (make mathjax)?"
    fonts = sorted((mathjax.parent / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert fonts, f"MathJax's CHTML fonts are missing under {mathjax.parent / 'output/chtml/fonts/woff-v2'}"
    assert (mathjax.parent / "input" / "tex" / "extensions").is_dir(), "MathJax's TeX extensions are missing"

    pages_with_math = 0
    for page in site_pages(built_html_dir):
        html = page.read_text(encoding="utf-8")
        if 'class="math' not in html:
            continue
        pages_with_math += 1
        rel = page.relative_to(built_html_dir)
        expected = "../" * (len(rel.parts) - 1) + MATHJAX_SCRIPT
        # Sphinx appends ?v=<checksum> when the file was already in the output (a rebuild)
        assert re.search(f'src="{re.escape(expected)}(?:\\?v=\\w+)?"', html), (
            f"{rel} has formulas but does not load {expected}")
    assert pages_with_math, "no page of the book has a formula (class=\"math\"): the check checked nothing"

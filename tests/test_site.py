"""The built site in a real headless browser: search, every page loading, Japanese glyphs.

`_build/html` is served on 127.0.0.1 (fixture `site_server`) and opened in Debian's Chromium through
Selenium (fixture `chromium`). A missing chromium/chromedriver fails the tests: run `make system-deps`.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from site_helpers import (
    MORPHOLOGY_CHAPTER,
    body_font_family,
    broken_images,
    glyph_fingerprints,
    site_pages,
    toc_docnames,
    tofu_problems,
    wait_until_loaded,
)

pytestmark = pytest.mark.slow

SEARCH_TIMEOUT = 20  # seconds for search.html to load the index and list its results


# Sphinx's search.html puts <h2>検索中<span>(pulsing dots)</span></h2> in #search-results when a search
# starts, and replaces the heading's content with plain text (検索結果) once it has listed every result.
# (Neither its summary line, left empty by Sphinx's Japanese translation, nor Search._pulse_status,
# which its pulse timer sets again after the stop, tells that the search has finished.)
_SEARCH_FINISHED_JS = (
    "const h = document.querySelector('#search-results h2'); return h !== null && h.children.length === 0")
_SEARCH_RESULT_LINKS_JS = (
    "return Array.from(document.querySelectorAll('#search-results ul.search li > a')).map(a => a.href)")
_SEARCH_TEXT_JS = "const r = document.getElementById('search-results'); return r ? r.innerText.slice(0, 500) : null"


def search_results(driver, base_url: str, query: str) -> list[str]:
    """Open search.html?q=<query>, wait until Sphinx's search has finished, and return the paths
    (from the site root, without #anchor) of the pages it lists."""
    driver.get(f"{base_url}search.html?q={quote(query)}")
    try:
        WebDriverWait(driver, SEARCH_TIMEOUT).until(lambda d: d.execute_script(_SEARCH_FINISHED_JS))
    except TimeoutException:
        pytest.fail(f"search for {query!r} did not finish within {SEARCH_TIMEOUT} s (searchindex.js not "
                    f"loaded?); #search-results: {driver.execute_script(_SEARCH_TEXT_JS)!r}")
    base_path = urlsplit(base_url).path
    return [urlsplit(href).path.removeprefix(base_path) for href in driver.execute_script(_SEARCH_RESULT_LINKS_JS)]


@pytest.mark.parametrize("query", ["形態素", "解析"])
def test_search_finds_the_morphology_chapter(chromium, site_server, query):
    """Searching the site for 形態素 or for 解析 (one word inside 形態素解析) lists the chapter on
    morphological analysis among the results."""
    pages = search_results(chromium, site_server.url, query)
    expected = f"{MORPHOLOGY_CHAPTER}.html"
    assert expected in pages, f"search for {query!r} does not list {expected}; it lists {pages or 'nothing'}"


def test_search_finds_a_word_in_the_text_of_a_page(chromium, site_server):
    """Searching 形態素 also lists the exercise page, whose text and title (演習: 形態素解析 ...) contain
    the word: the full-text index, not only the title rule, must answer a compound word."""
    pages = search_results(chromium, site_server.url, "形態素")
    assert "exercises/morphology.html" in pages, f"search for '形態素' lists {pages or 'nothing'}"


def _pages_to_load(html_dir) -> list[str]:
    pages = {p.relative_to(html_dir).as_posix() for p in site_pages(html_dir)}
    return sorted(pages | {f"{d}.html" for d in toc_docnames()})


def test_every_page_loads(chromium, site_server, built_html_dir):
    """Every page of the site (each _toc.yml page, and every other HTML page but genindex/search) loads
    in the browser: the server answered every request of it without an error (no 404 for the page, a
    stylesheet, a script or an image), it has a title, and each of its <img> has loaded (naturalWidth > 0)."""
    pages = _pages_to_load(built_html_dir)
    problems = []
    for page in pages:
        errors_before = len(site_server.errors)
        chromium.get(site_server.url + page)
        try:
            wait_until_loaded(chromium)
        except TimeoutException:
            problems.append(f"{page}: did not finish loading (document or images) within 20 s")
            continue
        if not chromium.title.strip():
            problems.append(f"{page}: empty <title>")
        problems += [f"{page}: HTTP {status} for {path}" for path, status in site_server.errors[errors_before:]]
        problems += [f"{page}: image did not load: {src}" for src in broken_images(chromium)]
    assert not problems, f"{len(problems)} problem(s) on the {len(pages)} pages:\n" + "\n".join(problems)


JAPANESE = ["形", "態", "素", "解", "析", "の", "ア"]
# No font has a glyph for these: U+0378 is unassigned, U+E000 is private use. They draw as a box.
NO_GLYPH = ["\u0378", "\ue000"]


def test_japanese_text_is_not_drawn_as_boxes(chromium, site_server):
    """On the chapter page, Japanese characters drawn with the font-family of the page body come out
    as real glyphs: each draws different pixels, and none draws like a character no font has (.notdef
    box, "tofu"). Fails when the machine has no Japanese font (fonts-ipaexfont: `make system-deps`)."""
    chromium.get(f"{site_server.url}{MORPHOLOGY_CHAPTER}.html")
    wait_until_loaded(chromium)
    family = body_font_family(chromium)
    drawn = glyph_fingerprints(chromium, JAPANESE + NO_GLYPH, family)
    problems = tofu_problems(drawn, JAPANESE, NO_GLYPH)
    assert not problems, (f"Japanese text would show as boxes with the page font {family!r} "
                          f"(canvas font {drawn['font_used']!r}); install a Japanese font "
                          "(`make system-deps` installs fonts-ipaexfont):\n" + "\n".join(problems))

"""The built site in a real headless browser, page by page (issue 13).

`_build/html` is served on 127.0.0.1 (fixture `site_server`) and opened in Debian's Chromium through
Selenium (fixture `chromium`), one browser session for everything. Chromium is started so that no
request can leave the host (site_helpers.CHROMIUM_FLAGS): a page that needs a CDN fails here.

Every page of the site (each `_toc.yml` page and every other HTML page but genindex/search) is visited
once at desktop width (fixture `visits`) and once at phone width; screenshots of both are written under
`_build/screenshots/` for review, with `report.json` (what each page showed: title, formulas, fonts...). Each check is its own test over all pages, and each is shown to fail
on a small site built to be broken (`test_checks_catch_a_broken_page`).

A missing chromium/chromedriver fails the tests: run `make system-deps`.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from urllib.parse import quote, urlsplit

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from site_helpers import (
    BUILD_DIR,
    MORPHOLOGY_CHAPTER,
    REPO_ROOT,
    PageReport,
    binder_links,
    colab_links,
    configured_repository,
    emulate_phone,
    japanese_font_families,
    japanese_font_problem,
    link_problems,
    phone_overflow,
    read_config,
    reset_emulation,
    serve_directory,
    site_pages,
    source_of,
    toc_docnames,
    visit_page,
    wait_until_loaded,
)

pytestmark = pytest.mark.slow

SEARCH_TIMEOUT = 20  # seconds for search.html to load the index and list its results
SCREENSHOTS = BUILD_DIR / "screenshots"
PHONE_WIDTH = 390  # CSS pixels (an iPhone 12-15)


def _pages_to_visit(html_dir) -> list[str]:
    pages = {p.relative_to(html_dir).as_posix() for p in site_pages(html_dir)}
    return sorted(pages | {f"{d}.html" for d in toc_docnames()})


def _screenshot(kind: str, page: str):
    return SCREENSHOTS / kind / page.replace("/", "__").replace(".html", ".png")


@pytest.fixture(scope="module")
def visits(chromium, site_server, built_html_dir) -> dict[str, PageReport]:
    """Every page visited once at desktop width: {page: PageReport}; screenshots in _build/screenshots/desktop."""
    families = japanese_font_families()
    reports = {page: visit_page(chromium, site_server.url, page, families, _screenshot("desktop", page))
               for page in _pages_to_visit(built_html_dir)}
    # What was visited and found, for review beside the screenshots.
    summary = {page: {k: (sorted(v) if isinstance(v, set) else v) for k, v in asdict(r).items()
                      if k not in ("links", "ids")} | {"links": len(r.links)} for page, r in reports.items()}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "report.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return reports


def _problems(visits: dict[str, PageReport], describe) -> list[str]:
    return [f"{page}: {problem}" for page, report in visits.items() for problem in describe(report)]


def _fail_if(problems: list[str], what: str, visits) -> None:
    assert not problems, f"{len(problems)} {what} on the {len(visits)} pages:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- the checks, over every page


def test_every_page_was_visited(visits, built_html_dir):
    """The suite opened every page of _toc.yml (and every other page of the site) and each loaded: it
    has a title and the page probe ran. Prints the list of pages, so a run shows what it covered."""
    print(f"\nvisited {len(visits)} pages:", *visits, sep="\n  ")
    missing = [f"{d}.html" for d in toc_docnames() if f"{d}.html" not in visits]
    assert not missing, f"pages of _toc.yml the suite did not visit: {missing}"
    _fail_if(_problems(visits, lambda r: [r.load_error] if r.load_error else
                       ([] if r.title.strip() else ["empty <title>"])), "pages that did not load", visits)


def test_no_console_errors(visits):
    """No page logs an error to the browser console (a script that throws, a resource that fails)."""
    _fail_if(_problems(visits, lambda r: r.console_errors), "console errors", visits)


def test_no_failed_requests(visits):
    """Every request of every page succeeded: no HTTP status >= 400 and no request that never completed
    (DevTools network events; the browser's unasked /favicon.ico aside)."""
    _fail_if(_problems(visits, lambda r: r.failed_requests), "failed requests", visits)


def test_no_request_leaves_the_host(visits):
    """No page asks another host for anything (a CDN script, a web font, an analytics beacon): the
    site works from a plain static server without network."""
    _fail_if(_problems(visits, lambda r: r.remote_requests), "requests to other hosts", visits)


def test_formulas_are_rendered(visits):
    """No raw LaTeX is left in the visible text (`\\(`, `\\[`, `$$`, code aside), every formula element has
    MathJax's output (mjx-container), and MathJax started without error. At least one page has math."""
    def describe(r: PageReport) -> list[str]:
        found = [f"raw LaTeX in the text: {t!r}" for t in r.raw_tex]
        found += [f"formula not rendered by MathJax: {t!r}" for t in r.unrendered_math]
        if r.math_elements and not r.mathjax_output:
            found.append(f"{r.math_elements} formula elements but no MathJax output (MathJax not loaded?)")
        if r.mathjax_error:
            found.append(f"MathJax failed: {r.mathjax_error}")
        return found

    _fail_if(_problems(visits, describe), "math problems", visits)
    assert any(r.mathjax_output for r in visits.values()), "no page has rendered math: the check checked nothing"


def test_images_load(visits):
    """Every <img> of every page loaded with a non-zero size (naturalWidth and naturalHeight > 0)."""
    _fail_if(_problems(visits, lambda r: [f"image did not load: {src}" for src in r.broken_images]),
             "broken images", visits)


def test_internal_links_and_anchors_resolve(visits, site_server, built_html_dir):
    """Every link from a page to the site itself opens a file of the build, and its #anchor is an
    element id on the target page."""
    problems = link_problems(visits, built_html_dir, site_server.url)
    assert sum(len(r.links) for r in visits.values()) > 0, "no links found: the check checked nothing"
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems)


def test_japanese_is_drawn_with_a_japanese_font(visits):
    """On every page, a Japanese element of the content is drawn (as Chromium reports,
    CSS.getPlatformFontsForNode) with a font that covers Japanese (fontconfig's :lang=ja), and its
    Japanese characters, drawn in the page's body font, are real glyphs, not boxes ("tofu")."""
    assert japanese_font_families(), "no Japanese font installed: `make system-deps` installs fonts-ipaexfont"
    with_japanese = [r for r in visits.values() if r.japanese_sample]
    assert with_japanese, "no page has Japanese text in its content: the check checked nothing"
    _fail_if(_problems(visits, lambda r: r.tofu), "Japanese text drawn without a Japanese font", visits)


def test_launch_buttons_point_at_notebooks_that_exist(visits):
    """Every Colab and Binder button in the browser opens a notebook that exists in the repository, on
    the repository and branch of _config.yml; every chapter and exercise page has both buttons."""
    config, repo = read_config(), configured_repository()
    launch = config.get("launch_buttons") or {}
    problems, buttons = [], 0
    for page, report in visits.items():
        found = {"Colab": colab_links(report.links, launch.get("colab_url") or "https://colab.research.google.com"),
                 "Binder": binder_links(report.links, launch.get("binderhub_url") or "https://mybinder.org")}
        docname = page.removesuffix(".html")
        source = source_of(docname)
        for kind, links in found.items():
            if not links and docname.startswith(("chapters/", "exercises/")):
                problems.append(f"{page}: no {kind} button")
            for link in links:
                buttons += 1
                if (link.owner, link.name, link.branch) != (repo.owner, repo.name, repo.branch):
                    problems.append(f"{page}: {kind} opens {link.owner}/{link.name}@{link.branch}, not {repo}")
                if not (REPO_ROOT / link.notebook).is_file():
                    problems.append(f"{page}: {kind} opens {link.notebook}, which is not in the repository")
                elif source is not None and (REPO_ROOT / link.notebook) != source:
                    problems.append(f"{page}: {kind} opens {link.notebook}, not this page's {source.relative_to(REPO_ROOT)}")
    assert buttons, "no launch button on any page: the check checked nothing"
    assert not problems, "\n".join(problems)


def test_phone_width_has_no_horizontal_scroll(chromium, site_server, built_html_dir):
    """At a phone's width (390 CSS px, mobile viewport) no page scrolls sideways: wide tables and code
    scroll inside their own box. Screenshots in _build/screenshots/phone."""
    problems = []
    pages = _pages_to_visit(built_html_dir)
    emulate_phone(chromium, PHONE_WIDTH)
    try:
        for page in pages:
            found = phone_overflow(chromium, site_server.url, page, _screenshot("phone", page))
            if found["scrollWidth"] > found["clientWidth"] + 1:
                problems.append(f"{page}: page is {found['scrollWidth']} px wide in a {found['clientWidth']} px "
                                f"viewport; sticking out: {found['sticking_out']}")
    finally:
        reset_emulation(chromium)
    assert not problems, f"{len(problems)} of {len(pages)} pages scroll sideways on a phone:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- search

# Sphinx's search.html puts <h2>検索中<span>(pulsing dots)</span></h2> in #search-results when a search
# starts, and replaces the heading's content with plain text (検索結果) once it has listed every result.
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


# (query, the page it must find: a docname or a docname prefix such as "chapters/05_"), Japanese and
# English terms taken from the chapters. A term is checked when _toc.yml has its page, so the list
# already holds the chapters still being written.
SEARCH_TERMS = [
    ("形態素", MORPHOLOGY_CHAPTER),
    ("解析", MORPHOLOGY_CHAPTER),          # one word inside 形態素解析 (the MeCab splitter)
    ("MeCab", MORPHOLOGY_CHAPTER),
    ("形態素", "exercises/morphology"),     # the full-text index, not only titles
    ("パープレキシティ", "chapters/02_"),
    ("perplexity", "chapters/02_"),
    ("one-hot", "chapters/03_"),
    ("word2vec", "chapters/04_"),
    ("分散表現", "chapters/04_"),
    ("skip-gram", "chapters/04_"),
    ("RNN", "chapters/05_"),
    ("LSTM", "chapters/05_"),
    ("seq2seq", "chapters/06_"),
    ("注意機構", "chapters/07_"),
    ("attention", "chapters/07_"),
    ("Transformer", "chapters/08_"),
    ("自己注意", "chapters/08_"),
    ("GPT", "chapters/10_"),
]


def _page_of(target: str) -> str | None:
    return next((d for d in toc_docnames() if d == target or (target.endswith("_") and d.startswith(target))), None)


_SEARCH_CASES = [(query, page) for query, target in SEARCH_TERMS if (page := _page_of(target))]


def test_search_terms_cover_the_book():
    """The search list applies to at least the first chapters (so the search tests test something)."""
    assert len(_SEARCH_CASES) >= 4, f"only {_SEARCH_CASES} of SEARCH_TERMS have their page in _toc.yml"


@pytest.mark.parametrize(("query", "page"), _SEARCH_CASES, ids=[f"{q}->{p}" for q, p in _SEARCH_CASES])
def test_search_finds_the_page(chromium, site_server, query, page):
    """Searching the site for the term lists the page it is taught in."""
    pages = search_results(chromium, site_server.url, query)
    assert f"{page}.html" in pages, f"search for {query!r} does not list {page}.html; it lists {pages or 'nothing'}"


# --------------------------------------------------------------------------- the checks can fail

_BAD_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>壊れたページ</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>window.MathJax = {};</script>
<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
</head><body><main>
<p>日本語の文です。式 <span class="math notranslate nohighlight">\\(D = 2\\)</span> と $$x^2$$ です。</p>
<img src="missing.png" alt="ない画像">
<a href="nowhere.html">ないページ</a> <a href="good.html#no-such-anchor">ない見出し</a> <a href="good.html#here">ある見出し</a>
<div style="width: 1200px">横に長い箱</div>
<script>console.error("わざと出したエラー")</script>
</main></body></html>
"""

_GOOD_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>正しいページ</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script defer src="_static/mathjax/tex-mml-chtml.js"></script>
</head><body><main>
<h2 id="here">見出し</h2>
<p>日本語の文です。式 <span class="math notranslate nohighlight">\\(D = 2\\)</span> は描かれます。</p>
<a href="bad.html">戻る</a>
</main></body></html>
"""


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory, built_html_dir):
    """A two-page site: bad.html breaks every rule once, good.html breaks none (and uses the book's MathJax)."""
    root = tmp_path_factory.mktemp("broken-site")
    (root / "bad.html").write_text(_BAD_PAGE, encoding="utf-8")
    (root / "good.html").write_text(_GOOD_PAGE, encoding="utf-8")
    shutil.copytree(built_html_dir / "_static" / "mathjax", root / "_static" / "mathjax")
    with serve_directory(root) as server:
        yield root, server


def test_checks_catch_a_broken_page(chromium, broken_site):
    """Each page check fails on a page made to break it (CDN MathJax, raw LaTeX, a missing image, a
    console error, a dead link and a dead anchor, a 1200 px box on a phone), and passes on a clean page."""
    root, server = broken_site
    families = japanese_font_families()
    bad = visit_page(chromium, server.url, "bad.html", families)
    good = visit_page(chromium, server.url, "good.html", families)

    assert any("cdn.jsdelivr.net" in url for url in bad.remote_requests), bad.remote_requests
    assert any("cdn.jsdelivr.net" in f for f in bad.failed_requests), bad.failed_requests  # blocked: no network
    assert any("missing.png" in f and "404" in f for f in bad.failed_requests), bad.failed_requests
    assert any("わざと出したエラー" in e for e in bad.console_errors), bad.console_errors
    assert any("D = 2" in t for t in bad.raw_tex) and any("x^2" in t for t in bad.raw_tex), bad.raw_tex
    assert bad.unrendered_math and bad.mathjax_output == 0, (bad.unrendered_math, bad.mathjax_output)
    assert any("missing.png" in src for src in bad.broken_images), bad.broken_images
    links = link_problems({"bad.html": bad, "good.html": good}, root, server.url)
    assert any("nowhere.html" in p for p in links) and any("no-such-anchor" in p for p in links), links
    assert not any("#here" in p for p in links), links

    for found in (good.remote_requests, good.failed_requests, good.console_errors, good.raw_tex,
                  good.unrendered_math, good.broken_images, good.tofu):
        assert found == [], f"the clean page was flagged: {found}"
    assert good.mathjax_output == 1, "MathJax did not render the clean page's formula"
    assert good.japanese_fonts, "the browser reported no font for the clean page's Japanese text"

    emulate_phone(chromium, PHONE_WIDTH)
    try:
        wide = phone_overflow(chromium, server.url, "bad.html")
        narrow = phone_overflow(chromium, server.url, "good.html")
    finally:
        reset_emulation(chromium)
    assert wide["scrollWidth"] > wide["clientWidth"] + 1 and wide["sticking_out"], wide
    assert narrow["scrollWidth"] <= narrow["clientWidth"] + 1, narrow


def test_japanese_font_check_can_fail():
    """Text drawn only with a Latin font is reported; text whose glyphs came from a Japanese font is not."""
    assert japanese_font_problem([("DejaVu Sans", 12)], {"IPAexGothic"}) is not None
    assert japanese_font_problem([], {"IPAexGothic"}) is not None
    assert japanese_font_problem([("DejaVu Sans", 3), ("IPAexGothic", 9)], {"IPAexGothic"}) is None


# --------------------------------------------------------------------------- interactive figures (no kernel)

WIDGET_PAGE = "guides/interactive"


def _set_slider(driver, root, value: float) -> list[str]:
    """Move the temperature slider of widget `root` to `value` as a reader would (input event) and
    return the probabilities it shows."""
    driver.execute_script(
        "const s = arguments[0].querySelector('input[type=range]'); s.value = arguments[1];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));", root, str(value))
    return [v.text for v in root.find_elements("css selector", ".llm-value")]


@pytest.mark.skipif(WIDGET_PAGE not in toc_docnames(), reason=f"{WIDGET_PAGE} is not in _toc.yml")
def test_temperature_slider_works_in_the_static_page(chromium, site_server):
    """On the built page, moving the temperature slider shows softmax(z / T) of z = (2.0, 1.0, 0.1):
    T = 1 -> 0.66 0.24 0.10, T = 0.5 -> 0.86 0.12 0.02, T = 2 -> 0.50 0.30 0.19 (as
    llm_shikumi.widgets.softmax_with_temperature computes them, to 2 decimals), with no kernel."""
    from llm_shikumi.widgets import softmax_with_temperature

    chromium.get(f"{site_server.url}{WIDGET_PAGE}.html")
    wait_until_loaded(chromium)
    roots = chromium.find_elements("css selector", ".llm-temperature")
    assert roots, f"{WIDGET_PAGE}.html has no temperature slider (.llm-temperature)"
    expected_by_hand = {1.0: ["0.66", "0.24", "0.10"], 0.5: ["0.86", "0.12", "0.02"], 2.0: ["0.50", "0.30", "0.19"]}
    for t, expected in expected_by_hand.items():
        shown = _set_slider(chromium, roots[0], t)
        computed = [f"{p:.2f}" for p in softmax_with_temperature([2.0, 1.0, 0.1], t)]
        assert shown == expected == computed, (f"T = {t}: the slider shows {shown}, expected {expected} "
                                               f"(softmax_with_temperature gives {computed})")


@pytest.mark.skipif(WIDGET_PAGE not in toc_docnames(), reason=f"{WIDGET_PAGE} is not in _toc.yml")
def test_attention_heatmap_shows_the_weight_under_the_pointer(chromium, site_server):
    """On the built page, pointing at a cell of the attention heatmap shows "query → key: weight" for
    that cell, and the weight is the cell's own (each row of the page's weights sums to 1)."""
    from selenium.webdriver.common.action_chains import ActionChains

    chromium.get(f"{site_server.url}{WIDGET_PAGE}.html")
    wait_until_loaded(chromium)
    roots = chromium.find_elements("css selector", ".llm-attention")
    assert roots, f"{WIDGET_PAGE}.html has no attention heatmap (.llm-attention)"
    root = roots[0]
    root.location_once_scrolled_into_view
    cells = root.find_elements("css selector", "rect.llm-cell")
    assert len(cells) == 15, f"expected a 3 x 5 heatmap, found {len(cells)} cells"
    readout = root.find_element("css selector", ".llm-readout")
    rows: dict[str, float] = {}
    for cell in (cells[0], cells[7], cells[14]):
        ActionChains(chromium).move_to_element(cell).perform()
        query, key, weight = (cell.get_attribute(f"data-{a}") for a in ("query", "key", "weight"))
        assert readout.text == f"{query} → {key}: {float(weight):.2f}", (
            f"pointing at {query}→{key} (weight {weight}) shows {readout.text!r}")
    for cell in cells:
        rows[cell.get_attribute("data-query")] = rows.get(cell.get_attribute("data-query"), 0) + float(cell.get_attribute("data-weight"))
    assert all(abs(total - 1) < 1e-4 for total in rows.values()), f"row sums of the page's weights: {rows}"

"""Helpers of the tests of the built book (tests/test_book.py) and site (tests/test_site.py).

Everything here reads the repository as it is: `_config.yml`, `_toc.yml` and the output of
`jupyter-book build .` in `_build/`. Nothing here builds the book: `make test` does that first.
"""
from __future__ import annotations

import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
# The build to test: `_build/` of the repository, or another one (`jupyter-book build . --path-output DIR`
# writes DIR/_build) named by BOOK_BUILD_DIR, so that a book built elsewhere can be tested.
BUILD_DIR = Path(os.environ.get("BOOK_BUILD_DIR") or REPO_ROOT / "_build").resolve()
HTML_DIR = BUILD_DIR / "html"
EXECUTED_DIR = BUILD_DIR / "jupyter_execute"

# The chapter that the search and font tests look at.
MORPHOLOGY_CHAPTER = "chapters/01_morphological_analysis"

# Source suffixes Jupyter Book accepts for a toc entry written without one.
SOURCE_SUFFIXES = (".ipynb", ".md", ".rst")

# What matplotlib warns when the font of a figure lacks a character (e.g. Japanese in DejaVu Sans):
# "UserWarning: Glyph 24418 (\N{CJK UNIFIED IDEOGRAPH-5F62}) missing from font(s) DejaVu Sans."
MISSING_GLYPH = re.compile(r"Glyph \d+ .* missing.*")


# --------------------------------------------------------------------------- the repository


def read_config() -> dict:
    """The book's `_config.yml`."""
    return yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Repository:
    """The GitHub repository that `_config.yml` names (`repository:`)."""

    owner: str
    name: str
    branch: str
    path_to_book: str  # "" when the book is at the repository's root


def configured_repository() -> Repository:
    """Owner, name, branch and book folder from `_config.yml`'s `repository:` setting."""
    repo = read_config()["repository"]
    parts = urlsplit(repo["url"]).path.strip("/").removesuffix(".git").split("/")
    assert len(parts) == 2, f"_config.yml repository.url should be https://github.com/<owner>/<repo>, got {repo['url']!r}"
    return Repository(parts[0], parts[1], str(repo.get("branch", "main")), (repo.get("path_to_book") or "").strip("/"))


def toc_docnames() -> list[str]:
    """Every page of `_toc.yml` (root first), as Sphinx docnames: paths without suffix."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    docnames = [_docname(toc["root"])]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                docnames.append(_docname(entry["file"]))
            if "glob" in entry:
                matches = sorted({_docname(str(p.relative_to(REPO_ROOT))) for suffix in SOURCE_SUFFIXES
                                  for p in REPO_ROOT.glob(entry["glob"] + suffix)})
                docnames.extend(matches)
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return docnames


def _docname(path: str) -> str:
    for suffix in SOURCE_SUFFIXES:
        path = path.removesuffix(suffix)
    return path.strip("/")


def source_of(docname: str) -> Path | None:
    """The source file of a toc page (`chapters/01_x` -> `chapters/01_x.ipynb`), or None."""
    for suffix in SOURCE_SUFFIXES:
        path = REPO_ROOT / (docname + suffix)
        if path.exists():
            return path
    return None


# --------------------------------------------------------------------------- the built HTML


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


class _AssetCollector(HTMLParser):
    """(tag, attribute, url) of everything a browser fetches by itself when it opens the page."""

    # <link rel=...> values that make the browser fetch the href (not `canonical`, `next`, ...).
    FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut", "manifest",
                     "apple-touch-icon"}

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed", "track", "input") and a.get("src"):
            self.assets.append((tag, "src", a["src"]))
        if tag == "img" and a.get("srcset"):
            self.assets += [(tag, "srcset", part.split()[0]) for part in a["srcset"].split(",") if part.strip()]
        if tag == "object" and a.get("data"):
            self.assets.append((tag, "data", a["data"]))
        if tag == "link" and a.get("href") and set((a.get("rel") or "").lower().split()) & self.FETCHING_RELS:
            self.assets.append((tag, "href", a["href"]))
        if tag == "image" and (a.get("href") or a.get("xlink:href")):  # SVG <image>
            self.assets.append((tag, "href", a.get("href") or a["xlink:href"]))


def page_assets(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, url) of every script, stylesheet, image, icon, frame ... that an HTML page loads."""
    collector = _AssetCollector()
    collector.feed(html)
    return collector.assets


def is_remote(url: str) -> bool:
    """True for a URL on another host (`https://...`, `//cdn...`); False for a relative path or data:."""
    return bool(re.match(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//", url.strip()))


def remote_assets(html: str) -> list[str]:
    """`<tag attr="url">` for every asset of the page that would be fetched from another host."""
    return [f'<{tag} {attr}="{url}">' for tag, attr, url in page_assets(html) if is_remote(url)]


_CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])((?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^'")\s]+)""")


def remote_css_urls(css: str) -> list[str]:
    """URLs on another host that a stylesheet loads (`url(https://...)`, `@import "//..."`)."""
    return _CSS_REMOTE.findall(css)


def page_links(html_path: Path) -> list[str]:
    """The `href` of every `<a>` in an HTML file, in order, entities decoded."""
    collector = _LinkCollector()
    collector.feed(html_path.read_text(encoding="utf-8"))
    return collector.hrefs


@dataclass(frozen=True)
class LaunchLink:
    """A Colab or Binder launch button, taken apart."""

    url: str
    owner: str
    name: str
    branch: str
    notebook: str  # path of the notebook inside the repository


def colab_links(hrefs: list[str], colab_url: str) -> list[LaunchLink]:
    """Colab buttons: <colab_url>/github/<owner>/<repo>/blob/<branch>/<path>.ipynb."""
    pattern = re.compile(re.escape(colab_url.rstrip("/")) + r"/github/([^/]+)/([^/]+)/blob/([^/]+)/(.+)$")
    return [LaunchLink(href, *m.groups()[:3], unquote(m.group(4)))
            for href in hrefs if (m := pattern.match(href))]


def binder_links(hrefs: list[str], binderhub_url: str) -> list[LaunchLink]:
    """Binder buttons: <binderhub_url>/v2/gh/<owner>/<repo>/<branch>?urlpath=tree/<path>.ipynb.

    Jupyter Book writes `urlpath=tree/<path>` for the classic interface and `urlpath=lab/tree/<path>`
    for JupyterLab; both are accepted.
    """
    pattern = re.compile(re.escape(binderhub_url.rstrip("/")) + r"/v2/gh/([^/]+)/([^/]+)/([^?]+)\?urlpath=(?:lab/)?tree/(.+)$")
    return [LaunchLink(href, *m.groups()[:3], unquote(m.group(4)))
            for href in hrefs if (m := pattern.match(href))]


def read_search_index(path: Path) -> dict:
    """The JSON inside Sphinx's `searchindex.js` (`Search.setIndex({...})`)."""
    text = path.read_text(encoding="utf-8").strip()
    prefix, suffix = "Search.setIndex(", ")"
    assert text.startswith(prefix) and text.endswith(suffix), f"{path} is not `Search.setIndex(...)`: {text[:80]!r}"
    return json.loads(text[len(prefix):-len(suffix)])


def docs_of_term(index: dict, term: str) -> set[str]:
    """Docnames that the search index lists for `term`, in the body (terms) or a title (titleterms)."""
    found: set[int] = set()
    for table in ("terms", "titleterms"):
        docs = index[table].get(term, [])
        found.update([docs] if isinstance(docs, int) else docs)
    return {index["docnames"][i] for i in found}


def token_spans(tokens: list[str], text: str) -> list[tuple[str, int, int]]:
    """Where each token of a splitter's output lies in `text`: (token, start, end), in order.
    Tokens the splitter made up (MeCab's trailing newline) are left out."""
    spans, cursor = [], 0
    for token in tokens:
        start = text.find(token, cursor) if token.strip() else -1
        if start >= 0:
            spans.append((token, start, start + len(token)))
            cursor = start + len(token)
    return spans


def site_pages(html_dir: Path) -> list[Path]:
    """Every HTML page of the site a reader can open: all `*.html` but Sphinx's generated
    index and search pages and the asset folders (`_static`, `_sources`, `_images`, ...)."""
    return sorted(p for p in html_dir.rglob("*.html")
                  if not any(part.startswith("_") for part in p.relative_to(html_dir).parts)
                  and p.relative_to(html_dir).as_posix() not in ("genindex.html", "search.html"))


# --------------------------------------------------------------------------- executed notebooks

CACHE_DIR = BUILD_DIR / ".jupyter_cache"


def cached_execution(source: Path, cache_dir: Path = CACHE_DIR) -> tuple[dict, float | None] | None:
    """The executed notebook (as JSON) that the build's jupyter-cache holds for the current content of
    `source`, and its execution time in seconds (as myst-nb recorded it); None when the cache has no
    execution of this version. (`_build/jupyter_execute/` is no substitute: on a rebuild that reuses the
    cache its copies may carry no outputs.)"""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    try:
        record = cache.match_cache_notebook(nbformat.read(source, as_version=4))
    except KeyError:
        return None
    nb = cache.get_cache_bundle(record.pk).nb
    return json.loads(nbformat.writes(nb)), (record.data or {}).get("execution_seconds")



def executed_notebook(filename: str) -> Path | None:
    """The executed copy of a notebook that `make book` left in ``_build/jupyter_execute`` (None if absent)."""
    build = BUILD_DIR / "jupyter_execute"
    found = sorted(build.rglob(filename)) if build.exists() else []
    return found[0] if found else None


def glued_values(executed: Path) -> dict[str, str]:
    """name -> text/plain of every myst-nb glue output of an executed notebook (myst-nb 1.x moves them into
    the ``.glue.json`` beside it)."""
    outputs = [o for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"] for o in cell.get("outputs", [])]
    glue_file = executed.with_suffix(".glue.json")
    if glue_file.exists():
        outputs += list(json.loads(glue_file.read_text(encoding="utf-8")).values())
    glued = {}
    for output in outputs:
        name = output.get("metadata", {}).get("scrapbook", {}).get("name")
        data = output.get("data", {})
        if name:
            glued[name] = data.get("application/papermill.record/text/plain", data.get("text/plain"))
    return glued


def executed_code_cells(nb: dict) -> int:
    """How many code cells of a notebook (as JSON) were run (have an execution count)."""
    return sum(1 for cell in nb.get("cells", [])
               if cell.get("cell_type") == "code" and cell.get("execution_count") is not None)


def missing_glyph_warnings(nb: dict) -> list[str]:
    """Lines of a notebook's stream outputs (stderr, and stdout in case streams were merged)
    that are matplotlib's "Glyph ... missing from font(s)" warning."""
    found = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream":
                continue
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            found += [f"cell {number} ({output.get('name')}): {m.group(0).strip()}" for m in MISSING_GLYPH.finditer(text)]
    return found


# --------------------------------------------------------------------------- the browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless, and nothing that reaches for the network (there is none besides the package registries).
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=ja",
    # No request leaves the host: every host but the loopback goes through a proxy that is not there
    # (port 9, discard), and no name is looked up. A page asking for a CDN then fails loudly in the
    # tests instead of quietly working on a machine with internet.
    "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def missing_browser_parts() -> list[str]:
    """Which of chromium and chromedriver are not installed (Debian's, under /usr/bin)."""
    return [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]


def start_chromium(user_data_dir: Path, env: dict | None = None):
    """A headless Chromium driven by Debian's chromedriver (Selenium Manager downloads nothing)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    # Console messages (driver.get_log("browser")) and the DevTools network events (get_log("performance")).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, env=env), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


class _RecordingHandler(SimpleHTTPRequestHandler):
    """Serves files quietly and remembers every request that ended in an error status."""

    errors: list[tuple[str, int]]  # set per server (see serve_directory)

    def log_request(self, code="-", size="-") -> None:
        # `code` is an int (HTTPStatus) when a response was sent; browsers ask for /favicon.ico unasked.
        if isinstance(code, int) and code >= 400 and urlsplit(self.path).path != "/favicon.ico":
            self.errors.append((unquote(self.path), int(code)))

    def log_message(self, format: str, *args) -> None:  # noqa: A002  (silence the access log)
        pass


@dataclass
class SiteServer:
    """A running static server: its base URL ("http://127.0.0.1:PORT/") and the failed requests."""

    url: str
    errors: list[tuple[str, int]]


@contextmanager
def serve_directory(directory: Path) -> Iterator[SiteServer]:
    """Serve `directory` over HTTP on 127.0.0.1, on a free port, in a thread; stop it afterwards."""
    errors: list[tuple[str, int]] = []
    handler = type("Handler", (_RecordingHandler,), {"errors": errors})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield SiteServer(f"http://127.0.0.1:{server.server_address[1]}/", errors)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def wait_until_loaded(driver, timeout: float = 20) -> None:
    """Wait for `document.readyState == "complete"`, then for every <img> to finish loading
    (lazy images are switched to eager first, or off-screen ones would never load)."""
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.execute_script("document.querySelectorAll('img[loading=lazy]').forEach(img => img.loading = 'eager')")
    wait.until(lambda d: d.execute_script("return Array.from(document.images).every(img => img.complete)"))


def broken_images(driver) -> list[str]:
    """The src of every <img> on the current page that did not load (naturalWidth == 0)."""
    return driver.execute_script(
        "return Array.from(document.images)"
        ".filter(img => !(img.complete && img.naturalWidth > 0))"
        ".map(img => img.currentSrc || img.src || img.outerHTML)")


# Draws each character alone on a canvas with the given CSS font-family and returns a fingerprint of
# the pixels: a 32-bit FNV-1a hash of the ink mask and the number of inked pixels. A font without the
# glyph draws its .notdef box (or the same fallback) for every such character, so their fingerprints
# coincide. Runs asynchronously so that web fonts are loaded first (document.fonts.ready).
_GLYPH_FINGERPRINTS_JS = """
const [chars, family, size, done] = arguments;
document.fonts.ready.then(() => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 2 * size;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const font = `${size}px ${family}`;
  const result = {font_requested: font, glyphs: {}};
  for (const ch of chars) {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.font = font;
    result.font_used = ctx.font;
    ctx.fillStyle = "#000";
    ctx.textBaseline = "top";
    ctx.fillText(ch, size / 2, size / 2);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 0x811c9dc5, ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      const dark = data[i] < 128 ? 1 : 0;
      ink += dark;
      hash = Math.imul(hash ^ (dark + 1), 16777619) >>> 0;
    }
    result.glyphs[ch] = {hash: hash, ink: ink, width: ctx.measureText(ch).width};
  }
  done(result);
});
"""


def body_font_family(driver) -> str:
    """The computed CSS font-family of the current page's <body>."""
    return driver.execute_script("return getComputedStyle(document.body).fontFamily")


def glyph_fingerprints(driver, chars: list[str], family: str, size: int = 48) -> dict:
    """Fingerprints of `chars` drawn on a canvas in the current page with CSS `family`:
    {"font_used": ..., "glyphs": {char: {"hash", "ink", "width"}}}."""
    return driver.execute_async_script(_GLYPH_FINGERPRINTS_JS, chars, family, size)


# No font has a glyph for these: U+0378 is unassigned, U+E000 is private use. They draw as a box.
NO_GLYPH = ["\u0378", "\ue000"]


def tofu_problems(fingerprints: dict, japanese: list[str], boxes: list[str]) -> list[str]:
    """What is wrong with the drawings of the `japanese` characters: one draws nothing, several draw
    the same pixels (a font lacking them draws its .notdef box for each), or one draws the same pixels
    as one of `boxes`, characters that no font has."""
    glyphs = fingerprints["glyphs"]
    name = lambda ch: f"{ch} (U+{ord(ch):04X})" if ch in japanese else f"U+{ord(ch):04X} (no glyph anywhere)"  # noqa: E731
    problems = [f"{name(ch)} draws nothing" for ch in japanese if glyphs[ch]["ink"] == 0]
    same: dict[int, list[str]] = {}
    for ch in japanese + boxes:
        same.setdefault(glyphs[ch]["hash"], []).append(ch)
    for chars in same.values():
        if len(chars) > 1 and any(ch in japanese for ch in chars):
            problems.append("these draw identical pixels (a box?): " + ", ".join(map(name, chars)))
    return problems


# --------------------------------------------------------------------------- the browser suite: one visit per page

# Runs in the page once it has loaded: waits for MathJax's first typesetting and for the web fonts,
# then reports what the checks need. Text inside code (pre, code, .highlight) is not "visible prose":
# a regular expression in a code cell may well contain \( or $$.
_PAGE_PROBE_JS = r"""
const done = arguments[arguments.length - 1];
(async () => {
  const mj = window.MathJax;
  let mathjaxError = null;
  if (mj && mj.startup && mj.startup.promise) {
    try { await mj.startup.promise; } catch (e) { mathjaxError = String(e); }
  }
  await document.fonts.ready;
  const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
  const SKIP = "pre, code, script, style, textarea, noscript, mjx-container, .highlight";
  const rawTex = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let probe = null;
  let japaneseChars = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(SKIP)) continue;
    const text = node.textContent;
    for (const token of ["\\(", "\\[", "$$"]) {
      const i = text.indexOf(token);
      if (i >= 0) rawTex.push(text.slice(Math.max(0, i - 30), i + 50).replace(/\s+/g, " ").trim());
    }
    if (JAPANESE.test(text) && el.getClientRects().length) {
      if (!probe && el.closest("main, article, .bd-article")) probe = el;
      for (const ch of text) {
        if (JAPANESE.test(ch) && !japaneseChars.includes(ch) && japaneseChars.length < 8) japaneseChars += ch;
      }
    }
  }
  document.querySelectorAll("[data-jp-probe]").forEach(e => e.removeAttribute("data-jp-probe"));
  if (probe) probe.setAttribute("data-jp-probe", "1");
  const math = Array.from(document.querySelectorAll("span.math, div.math"));
  done({
    title: document.title,
    rawTex: rawTex,
    mathElements: math.length,
    unrenderedMath: math.filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.trim().slice(0, 80)),
    mathjaxOutput: document.querySelectorAll("mjx-container").length,
    mathjaxLoaded: !!(mj && mj.startup),
    mathjaxError: mathjaxError,
    brokenImages: Array.from(document.images)
      .filter(img => !(img.complete && img.naturalWidth > 0 && img.naturalHeight > 0))
      .map(img => img.currentSrc || img.src || img.outerHTML.slice(0, 120)),
    links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
    ids: Array.from(document.querySelectorAll("[id]"), e => e.id)
      .concat(Array.from(document.querySelectorAll("a[name]"), a => a.name)),
    japaneseSample: probe ? probe.textContent.trim().slice(0, 40) : null,
    japaneseChars: japaneseChars,
    bodyFont: getComputedStyle(document.body).fontFamily,
  });
})().catch(e => done({probeError: String(e)}));
"""

# Horizontal overflow of the page at the current viewport, and the outermost elements sticking out.
_OVERFLOW_JS = r"""
const root = document.documentElement;
const width = root.clientWidth;
const clipped = el => {
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(a).overflowX)) return true;
  }
  return false;
};
const name = el => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.classList.length ? "." + Array.from(el.classList).join(".") : ""}`;
const wide = Array.from(document.body.querySelectorAll("*")).filter(el => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.right > width + 1 && getComputedStyle(el).position !== "fixed" && !clipped(el);
});
// the innermost elements sticking out (no child of theirs sticks out): the content that is too wide
const innermost = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
const found = innermost.slice(0, 5).map(el => `${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px): ${(el.textContent || "").trim().slice(0, 60)}`);
// text running out of its box (a long URL that does not break)
if (root.scrollWidth > width + 1) {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node && found.length < 10; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || clipped(el) || getComputedStyle(el).position === "fixed") continue;
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1) found.push(`text in ${name(el)} (right edge ${Math.round(r.right)} px): ${node.textContent.trim().slice(0, 60)}`);
  }
}
return {scrollWidth: root.scrollWidth, clientWidth: width, sticking_out: found};
"""


@dataclass
class PageReport:
    """What one visit of one page found (see visit_page)."""

    page: str                      # path from the site root, e.g. "chapters/01_x.html"
    title: str = ""
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)   # "URL: reason"
    remote_requests: list[str] = field(default_factory=list)   # URLs on another host than the site's
    raw_tex: list[str] = field(default_factory=list)
    math_elements: int = 0
    unrendered_math: list[str] = field(default_factory=list)
    mathjax_output: int = 0
    mathjax_error: str | None = None
    broken_images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    japanese_sample: str | None = None
    japanese_chars: str = ""
    japanese_fonts: list[str] = field(default_factory=list)   # fonts that drew the sampled Japanese element
    tofu: list[str] = field(default_factory=list)
    body_font: str = ""
    load_error: str | None = None


def _drain_logs(driver) -> tuple[list[dict], list[dict]]:
    return driver.get_log("browser"), driver.get_log("performance")


def network_problems(performance_log: list[dict], base_url: str) -> tuple[list[str], list[str]]:
    """From Chromium's DevTools performance log: (failed requests, requests to another host).

    A request failed when the server answered with a status >= 400 or it never completed
    (Network.loadingFailed: refused, blocked, not found...). Requests cancelled by the page itself and
    the browser's unasked /favicon.ico do not count."""
    urls: dict[str, str] = {}
    failed, remote = [], []
    origin = base_url.rstrip("/")
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(origin + "/") and url != origin:
                remote.append(url)
        elif method == "Network.responseReceived":
            status, url = params["response"]["status"], params["response"]["url"]
            if status >= 400 and urlsplit(url).path != "/favicon.ico":
                failed.append(f"{url}: HTTP {status}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            # A request this page did not make (issued before the page was opened, e.g. by the browser
            # at start-up) has no requestWillBeSent in this page's log: not the page's failure.
            url = urls.get(params["requestId"])
            if url is not None and urlsplit(url).path != "/favicon.ico":
                failed.append(f"{url}: {params.get('errorText')}")
    return sorted(set(failed)), sorted(set(remote))


def japanese_font_families() -> set[str]:
    """Family names (every localised name) of the installed fonts that cover Japanese (fontconfig)."""
    import subprocess

    out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


def platform_fonts_of(driver, selector: str) -> list[tuple[str, int]]:
    """(family, glyph count) of the fonts Chromium really used to draw the text of the element
    `selector` (DevTools CSS.getPlatformFontsForNode); [] when there is no such element."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector}).get("nodeId")
    if not node:
        return []
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [(f["familyName"], int(f.get("glyphCount", 0))) for f in fonts]


def japanese_font_problem(fonts: list[tuple[str, int]], japanese_families: set[str]) -> str | None:
    """Why the Japanese text drawn with `fonts` (platform_fonts_of) was not drawn with a Japanese font,
    or None when one of the fonts that drew glyphs is a Japanese one."""
    if not fonts:
        return "the browser reports no font for the element"
    if any(family in japanese_families and glyphs > 0 for family, glyphs in fonts):
        return None
    return (f"drawn with {', '.join(f'{f} ({n} glyphs)' for f, n in fonts)}, none of which covers Japanese "
            f"(Japanese fonts installed: {sorted(japanese_families) or 'none'})")


def visit_page(driver, base_url: str, page: str, japanese_families: set[str], screenshot: Path | None = None,
               timeout: float = 20) -> PageReport:
    """Open `page` (a path from the site root) and collect everything the suite checks about it."""
    from selenium.common.exceptions import TimeoutException, WebDriverException

    report = PageReport(page)
    _drain_logs(driver)
    try:
        driver.get(base_url + page)
        wait_until_loaded(driver, timeout)
        found = driver.execute_async_script(_PAGE_PROBE_JS)
    except (TimeoutException, WebDriverException) as error:
        report.load_error = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        found = {}
    if "probeError" in found:
        report.load_error = f"page probe failed: {found['probeError']}"
    if found and "probeError" not in found:
        report.title = found["title"]
        report.raw_tex = found["rawTex"]
        report.math_elements = found["mathElements"]
        report.unrendered_math = found["unrenderedMath"]
        report.mathjax_output = found["mathjaxOutput"]
        report.mathjax_error = found["mathjaxError"]
        report.broken_images = found["brokenImages"]
        report.links = found["links"]
        report.ids = set(found["ids"])
        report.japanese_sample = found["japaneseSample"]
        report.japanese_chars = found["japaneseChars"]
        report.body_font = found["bodyFont"]
        if report.japanese_sample:
            fonts = platform_fonts_of(driver, "[data-jp-probe]")
            report.japanese_fonts = [f"{family} ({glyphs})" for family, glyphs in fonts]
            problem = japanese_font_problem(fonts, japanese_families)
            if problem:
                report.tofu.append(f"{report.japanese_sample!r}: {problem}")
        if report.japanese_chars:
            chars = list(report.japanese_chars)
            drawn = glyph_fingerprints(driver, chars + NO_GLYPH, report.body_font)
            report.tofu += tofu_problems(drawn, chars, NO_GLYPH)
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(screenshot))
    console, performance = _drain_logs(driver)
    report.console_errors = [f"{e.get('level')}: {e.get('message')}" for e in console if e.get("level") == "SEVERE"]
    report.failed_requests, report.remote_requests = network_problems(performance, base_url)
    return report


def phone_overflow(driver, base_url: str, page: str, screenshot: Path | None = None) -> dict:
    """Open `page` at the current (phone) viewport: {"scrollWidth", "clientWidth", "sticking_out"}."""
    driver.get(base_url + page)
    wait_until_loaded(driver)
    result = driver.execute_script(_OVERFLOW_JS)
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(screenshot))
    return result


def emulate_phone(driver, width: int = 390, height: int = 844) -> None:
    """Make the viewport a phone's (mobile, `width` CSS pixels) until reset_emulation."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})


def reset_emulation(driver) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


_ID_ATTR = re.compile(r"""\s(?:id|name)=["']([^"']+)["']""")


def link_problems(reports: dict[str, PageReport], html_dir: Path, base_url: str) -> list[str]:
    """Internal links (to the site itself) of the visited pages whose file is missing from the build or
    whose #anchor is not an id on the target page (ids as the browser saw them on visited pages, or read
    from the HTML of files that were not visited)."""
    problems = []
    static_ids: dict[Path, set[str]] = {}
    for report in reports.values():
        for href in report.links:
            if not href.startswith(base_url):
                continue
            parts = urlsplit(href)
            path = unquote(parts.path[len(urlsplit(base_url).path):])
            if path == "" or path.endswith("/"):
                path += "index.html"
            target = html_dir / path
            if not target.is_file():
                problems.append(f"{report.page}: link to {path}, which is not in the build ({href})")
                continue
            fragment = unquote(parts.fragment)
            if not fragment or target.suffix != ".html":
                continue
            if path in reports:
                ids = reports[path].ids
            else:
                if target not in static_ids:
                    static_ids[target] = set(_ID_ATTR.findall(target.read_text(encoding="utf-8", errors="replace")))
                ids = static_ids[target]
            if fragment not in ids:
                problems.append(f"{report.page}: link to {path}#{fragment}, but that page has no id {fragment!r}")
    return sorted(set(problems))

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
from dataclasses import dataclass
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

"""Shared pytest fixtures. Add yours below with a clear name and a docstring."""
from __future__ import annotations

import pytest

from site_helpers import HTML_DIR, missing_browser_parts, serve_directory, start_chromium

# --------------------------------------------------------------------------- the built book / site
# Used by tests/test_book.py and tests/test_site.py. They read _build/, which `make test` builds first
# (`make book`); they never build the book themselves.


@pytest.fixture(scope="session")
def built_html_dir():
    """`_build/html` of `jupyter-book build .`; fails (not skips) when the book was not built."""
    if not (HTML_DIR / "index.html").exists():
        pytest.fail(f"{HTML_DIR} has no built book (no index.html): run `make book` "
                    "(or `make test`, which builds it before running pytest)", pytrace=False)
    return HTML_DIR


@pytest.fixture(scope="session")
def site_server(built_html_dir):
    """`_build/html` served over HTTP on 127.0.0.1 (a free port) for the session;
    `.url` is the base URL, `.errors` lists (path, status) of every request that failed."""
    with serve_directory(built_html_dir) as server:
        yield server


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Chromium (Selenium + Debian's chromedriver) with a fresh profile, for the session.
    Fails (not skips) when chromium or chromedriver is not installed."""
    missing = missing_browser_parts()
    if missing:
        pytest.fail(f"not installed: {', '.join(missing)}. Run `make system-deps` as root (it installs "
                    "chromium, chromium-driver and fonts-ipaexfont; `make test` runs it)", pytrace=False)
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()

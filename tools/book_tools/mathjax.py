"""Sphinx extension: serve MathJax from the built site itself, never from a CDN.

Sphinx's default ``mathjax_path`` is a CDN address, so on a machine without internet every formula
stays raw LaTeX. `make mathjax` installs the npm package ``mathjax`` (pinned in
``tools/mathjax/package.json`` and its lock file) into ``tools/mathjax/node_modules``; this extension
copies its ``es5`` build (scripts, TeX extensions, fonts) and licence into ``_static/mathjax/`` of the
HTML output, and ``_config.yml`` sets ``mathjax_path: mathjax/tex-mml-chtml.js`` (relative to
``_static``). MathJax finds its fonts and extensions next to that script, so the pages need no network.

Enabled by ``sphinx.local_extensions: {book_tools.mathjax: tools}`` in ``_config.yml``.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

# Where `npm ci --prefix tools/mathjax` puts the package, relative to the book's folder (confdir).
PACKAGE_DIR = Path("tools/mathjax/node_modules/mathjax")
# The MathJax component _config.yml's mathjax_path names, relative to the package's es5/ folder.
ENTRY_POINT = "tex-mml-chtml.js"
# Where the files go in the HTML output.
OUTPUT_DIR = Path("_static/mathjax")


def package_dir(app: Sphinx) -> Path:
    return Path(app.confdir) / PACKAGE_DIR


def check_installed(app: Sphinx) -> None:
    """Fail the build at its start, with the fix, when MathJax is not installed."""
    if app.builder.format != "html":
        return
    entry = package_dir(app) / "es5" / ENTRY_POINT
    if not entry.is_file():
        raise ExtensionError(
            f"MathJax is not installed ({entry} is missing), so formulas would not render offline. "
            "Run `make mathjax` (npm ci --prefix tools/mathjax; needs Node.js and npm) or `make book`, "
            "which runs it.")
    expected = f"mathjax/{ENTRY_POINT}"
    if app.config.mathjax_path != expected:
        raise ExtensionError(f"_config.yml: set sphinx.config.mathjax_path to {expected!r} (got "
                             f"{app.config.mathjax_path!r}), so that pages load the MathJax this "
                             "extension copies into _static/mathjax/")


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy MathJax's es5 build and its licence into the HTML output (skipped when up to date)."""
    if exception is not None or app.builder.format != "html":
        return
    source = package_dir(app)
    target = Path(app.outdir) / OUTPUT_DIR
    stamp = target / ".version"
    version = (source / "package.json").read_text(encoding="utf-8")
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == version:
        return
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source / "es5", target)
    shutil.copy2(source / "LICENSE", target / "LICENSE")
    stamp.write_text(version, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", check_installed)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

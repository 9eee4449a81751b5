"""Sphinx extension: small fixes that make every page of the book load without a console error.

Found by the browser suite (tests/test_site.py), which fails on any console error:

- sphinx-thebe adds its inline configuration script again when the environment is read, with
  filename None instead of "", which Sphinx does not see as the same asset; every page then declared
  ``const THEBE_JS_URL`` twice ("Identifier 'THEBE_JS_URL' has already been declared"). Identical
  scripts are now written once.
- pydata-sphinx-theme reports "Got invalid theme mode: ." on a reader's first visit, because Jupyter
  Book leaves the theme's ``default_mode`` empty. It is now ``auto`` (follow the system's setting).

Enabled by ``sphinx.local_extensions: {book_tools.site_fixes: tools}`` in ``_config.yml``.
"""
from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config


def set_default_mode(app: Sphinx, config: Config) -> None:
    # pydata-sphinx-theme reads `default_mode` from the page context (html_context), not a theme option
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # the same inline script is once added with filename None and once with "" (hence the duplicate)
    return (getattr(script, "filename", str(script)) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))


def write_scripts_once(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        if _key(script) not in seen:
            seen.add(_key(script))
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", set_default_mode)
    # late (priority 900), after the extensions that add their scripts for the page (MathJax)
    app.connect("html-page-context", write_scripts_once, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

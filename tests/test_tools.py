"""Book tooling in tools/: the online drift check fails clearly offline and finds the online cells."""
from __future__ import annotations

import subprocess
import sys

from site_helpers import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import check_online  # noqa: E402  (a script in tools/, not a package)


def test_check_online_stops_clearly_without_network():
    """An unreachable repository (a closed port on this machine) gives one sentence saying so."""
    problem = check_online.preflight("http://127.0.0.1:9/llm-shikumi.git", timeout=20)
    assert problem is not None and "cannot reach http://127.0.0.1:9/llm-shikumi.git" in problem, problem


def test_check_online_finds_the_online_cells():
    nb = {"cells": [
        {"cell_type": "code", "source": "import sys", "metadata": {}},
        {"cell_type": "code", "source": "from llm_shikumi import hub\ngpt = hub.load_causal_lm('x')", "metadata": {}},
        {"cell_type": "markdown", "source": "hub.load_causal_lm() を使います", "metadata": {}},
        {"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["online"]}},
        {"cell_type": "code", "source": "# see github.com/x", "metadata": {}},
    ]}
    assert check_online.online_cells(nb) == [1, 3]


def test_check_online_exits_2_when_the_repository_is_unreachable(tmp_path):
    """`make check-online` on a machine whose network cannot reach the repository exits 2 with a message
    (here the repository URL is made unreachable through git's url.<base>.insteadOf)."""
    url = check_online.repository_url()
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "check_online.py")], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GIT_CONFIG_COUNT": "1",
             "GIT_CONFIG_KEY_0": "url.http://127.0.0.1:9/.insteadOf", "GIT_CONFIG_VALUE_0": url.rsplit("/", 2)[0] + "/"})
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "needs the internet" in result.stderr and "not part of `make test`" in result.stderr, result.stderr


# --------------------------------------------------------------------------- the MathJax extension

from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402
from sphinx.errors import ExtensionError  # noqa: E402

from book_tools import mathjax  # noqa: E402


def _app(confdir, outdir, mathjax_path="mathjax/tex-mml-chtml.js"):
    return SimpleNamespace(builder=SimpleNamespace(format="html"), confdir=str(confdir), outdir=str(outdir),
                           config=SimpleNamespace(mathjax_path=mathjax_path))


def test_mathjax_extension_stops_the_build_when_mathjax_is_not_installed(tmp_path):
    """Without `make mathjax` the build fails at once and says how to fix it (rather than leaving raw LaTeX)."""
    with pytest.raises(ExtensionError, match="make mathjax"):
        mathjax.check_installed(_app(tmp_path, tmp_path / "out"))


def test_mathjax_extension_copies_the_package_into_static(tmp_path):
    """With the package in place, the build checks mathjax_path and copies es5/ and the licence to _static/mathjax."""
    package = tmp_path / mathjax.PACKAGE_DIR
    (package / "es5" / "output").mkdir(parents=True)
    (package / "es5" / mathjax.ENTRY_POINT).write_text("// MathJax", encoding="utf-8")
    (package / "es5" / "output" / "font.woff").write_bytes(b"woff")
    (package / "LICENSE").write_text("Apache-2.0", encoding="utf-8")
    (package / "package.json").write_text('{"version": "3.2.2"}', encoding="utf-8")
    with pytest.raises(ExtensionError, match="mathjax_path"):
        mathjax.check_installed(_app(tmp_path, tmp_path / "out", mathjax_path="https://cdn.example/mathjax.js"))
    app = _app(tmp_path, tmp_path / "out")
    mathjax.check_installed(app)
    mathjax.copy_mathjax(app, None)
    target = tmp_path / "out" / "_static" / "mathjax"
    assert (target / mathjax.ENTRY_POINT).read_text(encoding="utf-8") == "// MathJax"
    assert (target / "output" / "font.woff").exists() and (target / "LICENSE").exists()


# --- tools/book_tools/execute.py: the notebooks executed on every core before jupyter-book builds ---

from book_tools import execute as book_execute  # noqa: E402


def test_execute_lists_the_books_notebooks_but_not_the_excluded_ones():
    """Every chapter of _toc.yml is executed beforehand; exercises (stubs that raise by design, excluded in
    _config.yml's execute.exclude_patterns) and Markdown pages are not."""
    names = [p.relative_to(REPO_ROOT).as_posix() for p in book_execute.notebooks_to_execute(REPO_ROOT)]
    chapters = [f"{name}.ipynb" for name in book_execute.toc_files(REPO_ROOT) if name.startswith("chapters/")]
    assert names == chapters and chapters, names
    assert not any(name.startswith("exercises/") for name in names), names


def _toy_book(root, cells_by_name):
    import nbformat

    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                   + "".join(f"  - file: {name}\n" for name in cells_by_name), encoding="utf-8")
    (root / "_config.yml").write_text("execute:\n  timeout: 60\n  exclude_patterns: []\n", encoding="utf-8")
    (root / "intro.md").write_text("# intro\n", encoding="utf-8")
    for name, source in cells_by_name.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / f"{name}.ipynb")


import pytest  # noqa: E402


@pytest.mark.slow
def test_execute_fills_the_cache_myst_nb_reads_and_leaves_failures_to_the_build(tmp_path):
    """After the script, myst-nb's lookup (jupyter-cache's match on the notebook as read from disk) finds the
    executed notebook with its outputs, run in the notebook's own folder; a notebook whose cell raises is not
    cached, so the build executes it itself and fails with the traceback. A second run executes nothing."""
    import nbformat
    from jupyter_cache import get_cache

    _toy_book(tmp_path, {"ok": "import os\nprint('ran in', os.path.basename(os.getcwd()))",
                         "bad": "raise ValueError('broken on purpose')"})
    run = lambda: subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "book_tools" / "execute.py"),  # noqa: E731
                                  "--root", str(tmp_path), "--jobs", "2"], capture_output=True, text=True, timeout=300)
    first = run()
    assert first.returncode == 0, first.stderr
    assert "ok" in first.stdout and "FAILED" in first.stdout and "bad.ipynb" in first.stdout, first.stdout
    cache = get_cache(str(book_execute.cache_path(tmp_path)))
    _, merged = cache.merge_match_into_notebook(nbformat.read(tmp_path / "ok.ipynb", as_version=4))
    assert merged.cells[0].outputs[0]["text"] == f"ran in {tmp_path.name}\n", merged.cells[0].outputs
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nbformat.read(tmp_path / "bad.ipynb", as_version=4))
    second = run()
    assert "1 notebook(s)" in second.stdout and "bad.ipynb" in second.stdout, second.stdout  # only the failure again

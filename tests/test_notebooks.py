"""Every notebook in the repository is committed clean and starts with the Colab set-up cell."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import yaml

from book_tools.colab import CELL_TAG, setup_cell_source

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))

CHAPTERS = sorted(ROOT.glob("chapters/*.ipynb"))
SOURCES = sorted(ROOT.glob("autograder/source/*/*.ipynb"))
GENERATED = sorted(ROOT.glob("exercises/*.ipynb")) + sorted(ROOT.glob("solutions/*.ipynb"))
ALL = CHAPTERS + SOURCES + GENERATED


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_there_is_content():
    assert CHAPTERS, "no chapter notebooks in chapters/"
    assert SOURCES, "no exercise sources in autograder/source/"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_starts_with_the_colab_setup_cell(path):
    """The first cell installs what Colab lacks, only in Colab (tools/colab_cell.py writes it)."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert CELL_TAG in first.metadata.get("tags", []), f"{path.name}: run tools/colab_cell.py"
    assert first.source == setup_cell_source(CONFIG["repository"]["url"]), \
        f"{path.name}: the Colab cell is stale; run tools/colab_cell.py"


def test_colab_cell_does_nothing_outside_colab():
    """Executed locally (no google.colab module), the cell installs nothing."""
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(setup_cell_source(CONFIG["repository"]["url"]))
    calls = []
    namespace = {"get_ipython": lambda: type("Shell", (), {"run_line_magic": lambda *a: calls.append(a)})()}
    exec(code, namespace)
    assert calls == []
    namespace["sys"].modules["google.colab"] = object()  # now pretend to be Colab
    try:
        exec(code, namespace)
    finally:
        del namespace["sys"].modules["google.colab"]
    assert calls and "pip" in calls[0][1] and "fugashi" in calls[0][2]


@pytest.mark.parametrize("path", CHAPTERS + SOURCES, ids=ids(CHAPTERS + SOURCES))
def test_kernel_is_python3(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"


def test_every_chapter_and_exercise_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for path in CHAPTERS + sorted(ROOT.glob("exercises/*.ipynb")):
        entry = str(path.relative_to(ROOT).with_suffix(""))
        assert f"file: {entry}" in toc, f"{entry} is not in _toc.yml"

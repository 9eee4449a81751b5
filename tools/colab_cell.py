"""Insert or refresh the Colab set-up cell at the top of every notebook source.

Usage: .venv/bin/python tools/colab_cell.py
Touches chapters/*.ipynb and autograder/source/*/*.ipynb; run `python -m autograder release`
afterwards so that exercises/ and solutions/ follow.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import yaml

from book_tools.colab import CELL_TAG, setup_cell_source

ROOT = Path(__file__).resolve().parent.parent


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"]


def notebook_sources() -> list[Path]:
    return sorted(ROOT.glob("chapters/*.ipynb")) + sorted(ROOT.glob("autograder/source/*/*.ipynb"))


def refresh(path: Path, source: str) -> bool:
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0] if nb.cells else None
    if first is not None and CELL_TAG in first.metadata.get("tags", []):
        if first.source == source:
            return False
        first.source = source
    else:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": [CELL_TAG, "hide-input"]})
        nb.cells.insert(0, cell)
    nbformat.write(nb, path)
    return True


def main() -> None:
    source = setup_cell_source(repository_url())
    for path in notebook_sources():
        if refresh(path, source):
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

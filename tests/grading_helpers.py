"""Shared pieces of the grading tests: the toy exercise released into a scratch folder, and
submissions made from its solution with one thing changed."""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Callable

import nbformat

from autograder.exercises import load_exercises
from autograder.release import release

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SOURCE = ROOT / "tests" / "fixtures" / "source"
# torch tensors and an nn.Module class passed between test and answer cells (kept apart from the toy
# so that the toy's tests grade one small exercise only)
TORCH_FIXTURE_SOURCE = ROOT / "tests" / "fixtures" / "source_torch"


def release_toy(root: Path, fixture: Path = FIXTURE_SOURCE) -> tuple[Path, Path]:
    """Copy the toy source (or another fixture folder) under ``root`` and release it there:
    (source dir, output root)."""
    source = root / "source"
    shutil.copytree(fixture, source)
    release(load_exercises(source, root))
    return source, root


def answer_cell(nb, function: str):
    return next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source)


def grade_cells(nb):
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def make_submission(batch: Path, student: str, solution: Path, edit: Callable | None = None,
                    name: str = "toy.ipynb") -> Path:
    nb = copy.deepcopy(nbformat.read(solution, as_version=4))
    if edit:
        edit(nb)
    path = batch / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # some cases duplicate a cell, id included, on purpose
        warnings.simplefilter("ignore")
        nbformat.write(nb, path)
    return path


def run_autograder(*args, cwd=ROOT, timeout=900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def grade_to_json(batch: Path, source: Path, out: Path, *extra) -> dict[tuple[str, str], dict]:
    proc = run_autograder("grade", batch, "--source", source, "--workdir", out / "work",
                          "--json", out / "r.json", *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {(r["student"], r["exercise"]): r for r in json.loads((out / "r.json").read_text())["results"]}

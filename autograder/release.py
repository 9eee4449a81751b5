"""Generate ``exercises/`` (student versions) and ``solutions/`` from the nbgrader sources.

Student versions come from nbgrader's own ``generate_assignment``: solutions replaced by stubs,
hidden tests removed, test cells locked and checksummed. Solutions are the source with the hidden
tests removed (nbgrader's ClearHiddenTests), the solution markers dropped and outputs cleared.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests

from autograder.exercises import SOLUTION_BEGIN, SOLUTION_END, Exercise, load_exercises
from autograder.nbgrader_course import NbgraderCourse


def _clean(nb):
    """No outputs, no execution counts, no per-run metadata: generated files are reproducible."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


def student_version(course: NbgraderCourse, exercise: Exercise) -> str:
    course.add_exercise(exercise)
    nb = nbformat.read(course.released_notebook(exercise.id), as_version=4)
    return nbformat.writes(_clean(nb)) + "\n"


def solution_version(exercise: Exercise) -> str:
    nb = nbformat.read(exercise.source_path, as_version=4)
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            cell.source = "\n".join(l for l in lines if l.strip() not in (SOLUTION_BEGIN, SOLUTION_END))
    return nbformat.writes(_clean(nb)) + "\n"


def generated_files(exercises: dict[str, Exercise]) -> dict[Path, str]:
    """Every generated file with the text it must hold."""
    files = {}
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        course = NbgraderCourse(Path(tmp))
        for exercise in exercises.values():
            files[exercise.student_path] = student_version(course, exercise)
            files[exercise.solution_path] = solution_version(exercise)
    return files


def _output_folders(files: dict[Path, str]) -> set[Path]:
    return {path.parent for path in files}


def release(exercises: dict[str, Exercise] | None = None) -> list[Path]:
    """Write exercises/ and solutions/; remove generated files whose source is gone."""
    exercises = exercises if exercises is not None else load_exercises()
    files = generated_files(exercises)
    for folder in _output_folders(files):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.ipynb"):
            if stale not in files:
                stale.unlink()
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return sorted(files)


def out_of_sync(exercises: dict[str, Exercise] | None = None) -> list[str]:
    """Generated files that differ from what their sources generate now (empty when in sync)."""
    exercises = exercises if exercises is not None else load_exercises()
    problems = []
    files = generated_files(exercises)
    for path, text in files.items():
        if not path.exists():
            problems.append(f"{path.relative_to(path.parent.parent)} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.relative_to(path.parent.parent)} differs from its source")
    for folder in _output_folders(files):
        for extra in folder.glob("*.ipynb"):
            if extra not in files:
                problems.append(f"{extra.relative_to(folder.parent)} has no source")
    return problems

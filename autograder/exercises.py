"""What the grader knows about each exercise, read from its nbgrader source notebook."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import nbformat

def course_root() -> Path:
    """The repository the grader works on: the one this package lives in (an editable install or a
    checkout), else the nearest folder above the working directory holding ``autograder/source``
    (the package installed with ``pip install ".[grader]"`` and run from the repository)."""
    here = Path(__file__).resolve().parent.parent
    if (here / "autograder" / "source").is_dir():
        return here
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / "autograder" / "source").is_dir():
            return folder
    return here


ROOT = course_root()
SOURCE_DIR = ROOT / "autograder" / "source"

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("solution"))


def region_lines(source: str, begin: str, end: str) -> list[str]:
    """The stripped lines between ``begin`` and ``end`` marker lines (markers excluded)."""
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line.strip())
    return lines


def docstring_of(source: str) -> str:
    """The leading string literal of a cell: what the test checks, in the test author's words."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        return ""
    return (ast.get_docstring(module) or "").strip()


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    description: str  # the test's docstring
    has_hidden_tests: bool


@dataclass(frozen=True)
class WrongSolution:
    """A plausible mistake: answer cells of the solution replaced by wrong code."""

    name: str
    description: str
    replacements: dict[str, str]  # answer grade_id -> the cell's whole wrong code

    @classmethod
    def parse(cls, path: Path) -> "WrongSolution":
        text = path.read_text(encoding="utf-8")
        parts = re.split(r"^# %% +(\S+)[ \t]*$", text, flags=re.MULTILINE)
        header, sections = parts[0], parts[1:]
        replacements = {
            grade_id: code.strip("\n") + "\n" for grade_id, code in zip(sections[::2], sections[1::2])
        }
        if not replacements:
            raise ValueError(f"{path}: no '# %% <answer grade_id>' section")
        return cls(path.stem, docstring_of(header) or path.stem, replacements)


@dataclass
class Exercise:
    id: str
    source_path: Path
    # Where exercises/ and solutions/ are generated: the repository, or a scratch folder in tests.
    output_root: Path = ROOT
    wrong_dir: Path = field(init=False)

    def __post_init__(self):
        self.wrong_dir = self.source_path.parent / "wrong"

    @cached_property
    def notebook(self):
        return nbformat.read(self.source_path, as_version=4)

    @cached_property
    def tests(self) -> list[TestCell]:
        return [
            TestCell(
                grade_id=nbgrader_meta(c)["grade_id"],
                points=float(nbgrader_meta(c).get("points", 0)),
                description=docstring_of(c.source),
                has_hidden_tests=HIDDEN_BEGIN in c.source,
            )
            for c in self.notebook.cells
            if is_test_cell(c)
        ]

    @cached_property
    def answer_ids(self) -> list[str]:
        return [nbgrader_meta(c)["grade_id"] for c in self.notebook.cells if is_answer_cell(c)]

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def student_path(self) -> Path:
        return self.output_root / "exercises" / f"{self.id}.ipynb"

    @property
    def solution_path(self) -> Path:
        return self.output_root / "solutions" / f"{self.id}.ipynb"

    def wrong_solutions(self) -> list[WrongSolution]:
        return [WrongSolution.parse(p) for p in sorted(self.wrong_dir.glob("*.py"))]


def load_exercises(source_dir: Path = SOURCE_DIR, output_root: Path = ROOT) -> dict[str, Exercise]:
    """Every exercise, by id: ``source/<id>/<id>.ipynb``."""
    found = {}
    for folder in sorted(p for p in Path(source_dir).iterdir() if p.is_dir()):
        notebook = folder / f"{folder.name}.ipynb"
        if notebook.exists():
            found[folder.name] = Exercise(folder.name, notebook, Path(output_root))
    return found

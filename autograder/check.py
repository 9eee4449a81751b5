"""``python -m autograder check``: is every exercise sound?

For each exercise:
- the solution gets full marks and the unmodified student version gets 0 (both graded);
- every wrong solution kept in ``source/<id>/wrong/`` loses points;
- every test cell with hidden tests has a wrong solution that passes its visible asserts but fails
  the hidden ones: the hidden tests catch a mistake the visible ones let through;
- ``exercises/`` holds no solution or hidden-test text, ``solutions/`` no hidden-test text;
- ``exercises/`` and ``solutions/`` are what ``release`` generates now.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.exercises import (HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, Exercise, WrongSolution,
                                  is_answer_cell, is_test_cell, load_exercises, nbgrader_meta, region_lines)
from autograder.grading import Grader
from autograder.release import out_of_sync
from autograder.settings import GraderSettings
from autograder.submissions import Submission

MARKERS = (SOLUTION_BEGIN, SOLUTION_END, HIDDEN_BEGIN, HIDDEN_END)


def secret_lines(exercise: Exercise, begin: str, end: str) -> set[str]:
    """Substantial lines that appear only inside ``begin``/``end`` regions of the source."""
    inside, outside = set(), set()
    for cell in exercise.notebook.cells:
        region = region_lines(cell.source, begin, end)
        inside.update(region)
        outside.update(l.strip() for l in cell.source.splitlines() if l.strip() not in region)
    return {l for l in inside - outside if len(l) >= 12 and not l.startswith("#")}


def leaks(exercise: Exercise) -> list[str]:
    problems = []
    student = exercise.student_path.read_text(encoding="utf-8") if exercise.student_path.exists() else ""
    solution = exercise.solution_path.read_text(encoding="utf-8") if exercise.solution_path.exists() else ""
    student_code = "\n".join(c.source for c in nbformat.reads(student, 4).cells) if student else ""
    solution_code = "\n".join(c.source for c in nbformat.reads(solution, 4).cells) if solution else ""
    for marker in MARKERS:
        if marker in student:
            problems.append(f"exercises/{exercise.id}.ipynb contains '{marker}'")
    for marker in (HIDDEN_BEGIN, HIDDEN_END):
        if marker in solution:
            problems.append(f"solutions/{exercise.id}.ipynb contains '{marker}'")
    hidden = secret_lines(exercise, HIDDEN_BEGIN, HIDDEN_END)
    solved = secret_lines(exercise, SOLUTION_BEGIN, SOLUTION_END)
    student_lines = {l.strip() for l in student_code.splitlines()}
    solution_lines = {l.strip() for l in solution_code.splitlines()}
    for line in sorted(hidden & student_lines):
        problems.append(f"exercises/{exercise.id}.ipynb contains hidden-test line: {line!r}")
    for line in sorted(hidden & solution_lines):
        problems.append(f"solutions/{exercise.id}.ipynb contains hidden-test line: {line!r}")
    for line in sorted(solved & student_lines):
        problems.append(f"exercises/{exercise.id}.ipynb contains solution line: {line!r}")
    return problems


def notebook_with(base_path: Path, wrong: WrongSolution):
    """The solution notebook with the wrong solution's answer cells swapped in."""
    nb = nbformat.read(base_path, as_version=4)
    answer_ids = {nbgrader_meta(c).get("grade_id") for c in nb.cells if is_answer_cell(c)}
    unknown = set(wrong.replacements) - answer_ids
    if unknown:
        raise ValueError(f"wrong solution {wrong.name} names unknown answer cells: {sorted(unknown)}")
    for cell in nb.cells:
        if is_answer_cell(cell) and nbgrader_meta(cell)["grade_id"] in wrong.replacements:
            cell.source = wrong.replacements[nbgrader_meta(cell)["grade_id"]]
    return nb


def visible_failures(nb, cwd: Path) -> set[str]:
    """grade_ids of test cells that raise when the notebook runs with only its visible tests."""
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return {nbgrader_meta(c)["grade_id"] for c in nb.cells
            if is_test_cell(c) and any(o.get("output_type") == "error" for o in c.outputs)}


@dataclass
class ExerciseReport:
    exercise: Exercise
    problems: list[str] = field(default_factory=list)
    rows: list[tuple[str, float, set[str], set[str]]] = field(default_factory=list)  # name, score, failed, visible

    def table(self) -> str:
        ids = [t.grade_id for t in self.exercise.tests]
        width = max([len("wrong solution")] + [len(r[0]) for r in self.rows])
        lines = ["  " + "wrong solution".ljust(width) + "  score  " + "  ".join(ids)]
        for name, score, failed, visible in self.rows:
            marks = []
            for gid in ids:
                mark = "-" if gid not in failed else ("H" if gid not in visible else "V")
                marks.append(mark.center(len(gid)))
            lines.append(f"  {name.ljust(width)}  {score:5g}  " + "  ".join(marks))
        lines.append("  (V: failed a visible test, H: passed the visible tests but failed the hidden ones, -: passed)")
        return "\n".join(lines)


def check_exercise(grader: Grader, exercise: Exercise, scratch: Path) -> ExerciseReport:
    report = ExerciseReport(exercise)
    fail = report.problems.append
    if not exercise.tests:
        fail("has no test cells")
    if not exercise.solution_path.exists() or not exercise.student_path.exists():
        fail("exercises/ or solutions/ file missing: run `python -m autograder release`")
        return report

    solution = grader.grade(Submission(exercise.solution_path, "check-solution", exercise.id))
    if solution.status != "graded" or solution.score != exercise.max_score:
        failed = [f"{t.grade_id}: {t.message}" for t in solution.tests if not t.passed]
        fail(f"solution scores {solution.score:g}/{exercise.max_score:g} ({solution.status} {solution.reason}) {failed}")
    stub = grader.grade(Submission(exercise.student_path, "check-stub", exercise.id))
    if stub.status != "graded" or stub.score != 0:
        fail(f"unmodified student version scores {stub.score:g} ({stub.status} {stub.reason}), expected 0 and graded")

    wrongs = exercise.wrong_solutions()
    if len(wrongs) < 3:
        fail(f"has {len(wrongs)} wrong solutions in {exercise.wrong_dir.relative_to(exercise.wrong_dir.parents[2])}, needs at least 3")
    caught_by_hidden: set[str] = set()
    for wrong in wrongs:
        nb = notebook_with(exercise.solution_path, wrong)
        folder = scratch / f"wrong-{exercise.id}-{wrong.name}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{exercise.id}.ipynb"
        nbformat.write(nb, path)
        result = grader.grade(Submission(path, folder.name, exercise.id))
        failed = {t.grade_id for t in result.tests if not t.passed}
        visible = visible_failures(nbformat.read(path, as_version=4), folder)
        report.rows.append((wrong.name, result.score, failed, visible))
        if result.status != "graded":
            fail(f"wrong solution {wrong.name} could not be graded: {result.reason}")
        elif result.score >= exercise.max_score:
            fail(f"wrong solution {wrong.name} ({wrong.description}) gets full marks: no test catches it")
        caught_by_hidden |= failed - visible
    for test in exercise.tests:
        if test.has_hidden_tests and test.grade_id not in caught_by_hidden:
            fail(f"hidden tests of {test.grade_id} catch none of the wrong solutions "
                 "(none passes its visible asserts and then fails the hidden ones)")
    report.problems.extend(leaks(exercise))
    return report


def run_check(exercises: dict[str, Exercise] | None = None, out=print, settings: GraderSettings = GraderSettings()) -> bool:
    exercises = exercises if exercises is not None else load_exercises()
    ok = True
    if not exercises:
        out("no exercises found under autograder/source")
        return False
    sync = out_of_sync(exercises)
    for problem in sync:
        out(f"out of sync: {problem} (run `python -m autograder release`)")
    ok &= not sync
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        grader = Grader(Path(tmp) / "course", exercises, settings=settings)
        for exercise in exercises.values():
            report = check_exercise(grader, exercise, Path(tmp) / "submissions")
            status = "ok" if not report.problems else "FAILED"
            out(f"{exercise.id}: {status} (max {exercise.max_score:g} points, {len(exercise.tests)} tests, "
                f"{len(report.rows)} wrong solutions)")
            if report.rows:
                out(report.table())
            for problem in report.problems:
                out(f"  - {problem}")
            ok &= not report.problems
        grader.close()
    out("check passed" if ok else "check FAILED")
    return ok

"""Fast tests of the grader's pure functions (no kernel): assembling a submission, the feedback page,
and the verdict of a test cell run in the grader's process."""
from __future__ import annotations

import time

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from autograder.assemble import _similar, assemble
from autograder.execution import is_shared_cell
from autograder.feedback import render
from autograder import results
from autograder.verdicts import HIDDEN_FAILED, hidden_line_numbers, judge, run_here


def released():
    def cell(source, **meta):
        return new_code_cell(source, metadata={"nbgrader": meta} if meta else {})

    return new_notebook(cells=[
        cell("import math", grade_id="setup", locked=True, solution=False, grade=False),
        cell("def f(x):\n    raise NotImplementedError()", grade_id="f_answer", solution=True, grade=False),
        cell('"""f doubles."""\nassert f(1) == 2', grade_id="test_f", grade=True, solution=False, points=1, locked=True),
        cell("print(f(3))"),
    ])


def test_assembled_notebook_marks_release_cells_shared_and_never_student_cells():
    submitted = nbformat.from_dict(released())
    submitted.cells[1].source = "def f(x):\n    return 2 * x"
    extra = new_code_cell("helper = 1")
    extra.metadata["autograder"] = {"shared": True}  # a student cannot claim to be a shared cell
    submitted.cells.insert(2, extra)
    nb = assemble(released(), submitted).notebook
    shared = [c.source for c in nb.cells if is_shared_cell(c)]
    assert shared == ["import math", "print(f(3))"]
    assert "helper = 1" in [c.source for c in nb.cells] and "return 2 * x" in nb.cells[1].source


def test_similarity_is_bounded_on_huge_cells():
    start = time.monotonic()
    assert _similar("x = 1\n" * 200_000, "assert f(1) == 2") == 0.0
    assert _similar("assert f(1) == 2 ", "assert f(1) == 2") > 0.9
    assert time.monotonic() - start < 1.0


def test_feedback_page_escapes_everything():
    result = results.Result("<s>", "ex", "f", "graded", 0.0, 1.0, "", [results.TestResult("t", 0.0, 1.0, False, "<script>x</script>")])
    page = render(result)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;s&gt;" in page


def test_hidden_lines_and_verdicts():
    source = 'x = 1\n### BEGIN HIDDEN TESTS\nassert x == 2, "secret 2"\n### END HIDDEN TESTS\n'
    assert hidden_line_numbers(source) == {2, 3, 4}
    exc, out = run_here(source, {"__builtins__": __builtins__}, "<t>", 5)
    verdict = judge(exc, source, "<t>")
    assert not verdict.passed and verdict.message == HIDDEN_FAILED and "secret" not in verdict.message
    assert judge(None, source, "<t>").passed

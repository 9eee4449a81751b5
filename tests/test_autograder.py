"""The autograder end to end on a tiny fixture exercise (tests/fixtures/source/toy), so that
grading itself is tested without depending on any chapter's content."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from autograder.check import run_check
from autograder.exercises import load_exercises
from autograder.release import out_of_sync
from tests.grading_helpers import release_toy, run_autograder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """The toy exercise released into a scratch folder: (source dir, output root)."""
    return release_toy(tmp_path_factory.mktemp("toy-release"))


def test_release_strips_solutions_and_hidden_tests(toy):
    """The student version has stubs and visible tests only; the solution has no hidden tests."""
    _, root = toy
    student = (root / "exercises" / "toy.ipynb").read_text(encoding="utf-8")
    solution = (root / "solutions" / "toy.ipynb").read_text(encoding="utf-8")
    assert "NotImplementedError" in student and "return a + b" not in student
    assert "add(-5, 5)" not in student and "add(-5, 5)" not in solution
    assert "return a + b" in solution and "BEGIN SOLUTION" not in solution
    assert "add(1, 2) == 3" in student and "add(1, 2) == 3" in solution  # visible tests stay


def test_out_of_sync_detects_hand_edits(toy, tmp_path):
    source, root = toy
    copy = tmp_path / "root"
    shutil.copytree(root, copy)
    exercises = load_exercises(source, copy)
    assert out_of_sync(exercises) == []
    edited = copy / "exercises" / "toy.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace("add(1, 2)", "add(2, 2)"), encoding="utf-8")
    assert out_of_sync(exercises) == ["exercises/toy.ipynb differs from its source"]


@pytest.fixture(scope="module")
def graded_batch(toy, tmp_path_factory):
    """A class folder with a correct, an untouched, a wrong, and three broken submissions."""
    _, root = toy
    batch = tmp_path_factory.mktemp("submissions")
    for student in ("alice", "bob", "carol", "dave", "erin", "frank"):
        (batch / student).mkdir()
    shutil.copy(root / "solutions" / "toy.ipynb", batch / "alice" / "toy.ipynb")
    shutil.copy(root / "exercises" / "toy.ipynb", batch / "bob" / "toy.ipynb")
    nb = nbformat.read(root / "solutions" / "toy.ipynb", as_version=4)
    for cell in nb.cells:  # carol: mean right, add wrong only for negative numbers
        if cell.source.startswith("def add"):
            cell.source = "def add(a, b):\n    return abs(a) + abs(b)"
    nbformat.write(nb, batch / "carol" / "toy.ipynb")
    (batch / "dave" / "toy.ipynb").write_text("this is not a notebook", encoding="utf-8")
    (batch / "erin" / "toy.ipynb").write_text('{"cells": "nope", "nbformat": 4}', encoding="utf-8")
    shutil.copy(root / "solutions" / "toy.ipynb", batch / "frank" / "homework.ipynb")
    out = tmp_path_factory.mktemp("out")
    proc = run_autograder("grade", batch, "--source", toy[0], "--workdir", out / "work",
                          "--json", out / "r.json", "--feedback", out / "feedback")
    results = {(r["student"], r["exercise"]): r for r in json.loads((out / "r.json").read_text())["results"]}
    return proc, results, out


def test_grade_exits_zero_and_prints_a_summary(graded_batch):
    proc, _, _ = graded_batch
    assert proc.returncode == 0, proc.stderr
    assert "alice" in proc.stdout and "6 notebooks: 3 graded, 3 errors" in proc.stdout


def test_solution_gets_full_marks_and_stub_zero(graded_batch):
    _, results, _ = graded_batch
    alice, bob = results["alice", "toy"], results["bob", "toy"]
    assert (alice["status"], alice["score"], alice["max_score"]) == ("graded", 3.0, 3.0)
    assert all(t["passed"] for t in alice["tests"])
    assert (bob["status"], bob["score"]) == ("graded", 0.0)
    assert "NotImplementedError" in bob["tests"][0]["message"]


def test_hidden_test_failure_is_explained_without_hidden_code(graded_batch):
    """carol passes the visible test of add but not the hidden one: the message gives the test's
    docstring (the author's words) and says a hidden test failed; neither the hidden test's code nor
    its assertion message (which could name expected values) reaches the student."""
    _, results, out = graded_batch
    carol = results["carol", "toy"]
    assert carol["score"] == 2.0
    add = next(t for t in carol["tests"] if t["grade_id"] == "test_add")
    assert add == {**add, "passed": False, "points": 0.0, "max_points": 1.0}
    assert "add が整数の和を返すか確かめます" in add["message"] and "隠しテスト" in add["message"]
    assert "add(-5, 5)" not in add["message"]
    page = (out / "feedback" / "carol" / "toy.html").read_text(encoding="utf-8")
    assert "隠しテスト" in page and "add(-5, 5)" not in page


@pytest.mark.parametrize("student, expected", [
    ("dave", "JSON ではありません"),
    ("erin", "形式"),
])
def test_broken_notebooks_get_zero_with_a_reason(graded_batch, student, expected):
    _, results, out = graded_batch
    result = results[student, "toy"]
    assert (result["status"], result["score"], result["max_score"]) == ("error", 0.0, 3.0)
    assert expected in result["reason"]
    assert (out / "feedback" / student / "toy.html").exists()


def test_unknown_exercise_is_an_error_not_a_crash(graded_batch):
    _, results, _ = graded_batch
    frank = results["frank", "homework"]
    assert frank["status"] == "error" and "unknown exercise" in frank["reason"]


def test_results_follow_the_documented_schema(graded_batch):
    _, results, _ = graded_batch
    for result in results.values():
        assert set(result) == {"student", "exercise", "file", "status", "score", "max_score", "reason", "tests", "notes"}
        assert isinstance(result["notes"], list)
        assert (result["reason"] != "") == (result["status"] == "error"), "reason only says why a notebook was not graded"
        for test in result["tests"]:
            assert set(test) == {"grade_id", "points", "max_points", "passed", "message"}


def test_scores_come_from_the_gradebook(graded_batch):
    """The JSON score is nbgrader's: read it back from the gradebook database."""
    from nbgrader.api import Gradebook

    _, results, out = graded_batch
    with Gradebook(f"sqlite:///{out / 'work' / 'gradebook.db'}", "llm-shikumi") as gb:
        for student in ("alice", "bob", "carol"):
            notebook = gb.find_submission_notebook("toy", "toy", student)
            assert notebook.score == results[student, "toy"]["score"]


def test_misuse_exits_nonzero():
    assert run_autograder("grade", "does/not/exist").returncode == 2
    assert run_autograder("frobnicate").returncode == 2


def test_check_passes_on_a_sound_exercise(toy):
    source, root = toy
    lines = []
    assert run_check(load_exercises(source, root), out=lines.append), "\n".join(lines)


def test_check_fails_when_a_wrong_solution_is_not_caught(toy, tmp_path):
    """A 'wrong' solution that is in fact correct gets full marks: check must say so."""
    source, root = toy
    shutil.copytree(source, tmp_path / "source")
    shutil.copytree(root / "exercises", tmp_path / "exercises")
    shutil.copytree(root / "solutions", tmp_path / "solutions")
    (tmp_path / "source" / "toy" / "wrong" / "actually_right.py").write_text(
        '"""Not wrong at all."""\n# %% add_answer\ndef add(a, b):\n    return b + a\n', encoding="utf-8")
    lines = []
    assert not run_check(load_exercises(tmp_path / "source", tmp_path), out=lines.append)
    assert any("actually_right" in line and "full marks" in line for line in lines), lines


def test_check_fails_when_hidden_tests_catch_nothing(toy, tmp_path):
    """Remove the only wrong solution that passes the visible test of add: the hidden tests of
    test_add then catch nothing, and check must fail."""
    source, root = toy
    shutil.copytree(source, tmp_path / "source")
    shutil.copytree(root / "exercises", tmp_path / "exercises")
    shutil.copytree(root / "solutions", tmp_path / "solutions")
    (tmp_path / "source" / "toy" / "wrong" / "abs_add.py").unlink()
    (tmp_path / "source" / "toy" / "wrong" / "also_subtracts.py").write_text(
        '"""Subtracts the other way."""\n# %% add_answer\ndef add(a, b):\n    return b - a\n', encoding="utf-8")
    lines = []
    assert not run_check(load_exercises(tmp_path / "source", tmp_path), out=lines.append)
    assert any("hidden tests of test_add catch none" in line for line in lines), lines

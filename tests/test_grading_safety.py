"""A submission cannot change how it is judged, read what it must not, or take the grader down.

Each case is a copy of the toy exercise's solution with one hostile or unlucky change, graded
through the real command line (sandbox on). One batch holds them all, which also shows that one
bad notebook does not stop the others.
"""
from __future__ import annotations

import nbformat
import pytest

from tests.grading_helpers import answer_cell, grade_to_json, make_submission, release_toy, grade_cells

pytestmark = pytest.mark.slow

WRONG_ADD = "def add(a, b):\n    return a - b"


def wrong_add(nb):
    answer_cell(nb, "add").source = WRONG_ADD


def edit_tests(nb):
    wrong_add(nb)
    for cell in grade_cells(nb):
        cell.source = "pass"


def delete_tests(nb):
    wrong_add(nb)
    nb.cells = [c for c in nb.cells if c not in grade_cells(nb)]


def fake_points(nb):
    """Claims more points and a passed status in the metadata of its test cell."""
    wrong_add(nb)
    for cell in grade_cells(nb):
        cell.metadata["nbgrader"]["points"] = 100
        cell.source = "pass"


def duplicate_test(nb):
    wrong_add(nb)
    copy_of_test = nbformat.from_dict(dict(grade_cells(nb)[0]))
    copy_of_test.source = "pass"
    nb.cells.insert(1, copy_of_test)


def no_metadata(nb):
    for cell in nb.cells:
        cell.metadata = {}


def hide_tracebacks(nb):
    wrong_add(nb)
    answer_cell(nb, "add").source += ("\nget_ipython().showtraceback = lambda *a, **k: None"
                                      "\nget_ipython().showsyntaxerror = lambda *a, **k: None")


def fake_completion(nb):
    """Prints what the grader's completion mark looks like, without knowing its secret part."""
    wrong_add(nb)
    answer_cell(nb, "add").source += "\nprint('autograder-test-completed-' + '0' * 32)"


def stderr_warning(nb):
    answer_cell(nb, "add").source = ("import sys, warnings\ndef add(a, b):\n    warnings.warn('deprecated')\n"
                                     "    print('note', file=sys.stderr)\n    return a + b")


def infinite_loop(nb):
    answer_cell(nb, "add").source = "def add(a, b):\n    while True:\n        pass"


def exits(nb):
    answer_cell(nb, "mean").source = "import os\nos._exit(0)"


def memory_hog(nb):
    answer_cell(nb, "add").source = "def add(a, b):\n    block = bytearray(64 * 1024**3)\n    return a + b"


def output_flood(nb):
    answer_cell(nb, "add").source = ("def add(a, b):\n    for _ in range(100_000):\n        print('flood' * 40)\n"
                                     "    return a + b")


def snoop(nb):
    """Looks for the repository, the exercise sources (hidden tests), the solutions, the gradebook,
    other submissions and the kernel factory's control socket."""
    answer_cell(nb, "add").source = (
        "import os\nseen = []\n"
        "for top in ('/work', '/root', '/tmp', '/home', '/srv', '/var', '/opt', '/mnt', '/run'):\n"
        "    for folder, dirs, files in os.walk(top):\n"
        "        dirs[:] = [d for d in dirs if d not in ('site-packages', 'lib')]\n"
        "        seen += [os.path.join(folder, f) for f in files if f.endswith(('.ipynb', '.db', '.sock'))]\n"
        "        seen += [os.path.join(folder, d) for d in dirs\n"
        "                 if d in ('source', 'solutions', 'exercises', 'submitted', 'autograded', 'feedback')]\n"
        "def add(a, b):\n    assert not seen, seen[:5]\n    return a + b")


def write_outside(nb):
    answer_cell(nb, "add").source = (
        "import pathlib\nproblems = []\n"
        "for target in ('/work/pwned', '/root/pwned', '/usr/pwned', '/etc/pwned'):\n"
        "    try:\n        pathlib.Path(target).write_text('x')\n        problems.append(target)\n"
        "    except OSError:\n        pass\n"
        "def add(a, b):\n    assert not problems, problems\n    return a + b")


def network(nb):
    answer_cell(nb, "add").source = (
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\n    online = True\n"
        "except OSError:\n    online = False\n"
        "def add(a, b):\n    assert not online\n    return a + b")


def reordered(nb):
    nb.cells.reverse()


def split_answer(nb):
    index = nb.cells.index(answer_cell(nb, "mean"))
    nb.cells.insert(index, nbformat.v4.new_code_cell("def helper(xs):\n    return sum(xs) / len(xs)"))
    answer_cell(nb, "mean").source = "def mean(xs):\n    if not xs:\n        raise ValueError()\n    return helper(xs)"


CASES = {  # student -> (edit, expected score, words expected in the reason)
    "edit_tests": (edit_tests, 2, ["test_add"]),
    "delete_tests": (delete_tests, 2, []),
    "fake_points": (fake_points, 2, ["test_add"]),
    "duplicate_test": (duplicate_test, 2, []),
    "no_metadata": (no_metadata, 3, ["add_answer", "mean_answer"]),
    "hide_tracebacks": (hide_tracebacks, 2, []),
    "fake_completion": (fake_completion, 2, []),
    "stderr_warning": (stderr_warning, 3, []),
    "infinite_loop": (infinite_loop, 2, ["time limit"]),
    "exits": (exits, 1, ["kernel died"]),
    "memory_hog": (memory_hog, 2, []),
    "output_flood": (output_flood, 3, []),
    "snoop": (snoop, 3, []),
    "write_outside": (write_outside, 3, []),
    "network": (network, 3, []),
    "reordered": (reordered, 3, []),
    "split_answer": (split_answer, 3, ["added code cells"]),
}


@pytest.fixture(scope="module")
def graded_with_feedback(tmp_path_factory):
    """Every case graded in one batch; returns the output folder (r.json, feedback/)."""
    source, root = release_toy(tmp_path_factory.mktemp("toy"))
    batch = tmp_path_factory.mktemp("batch")
    for student, (edit, _, _) in CASES.items():
        make_submission(batch, student, root / "solutions" / "toy.ipynb", edit)
    out = tmp_path_factory.mktemp("out")
    grade_to_json(batch, source, out, "--jobs", "2", "--cell-timeout", "10", "--max-output", "20K",
                  "--feedback", out / "feedback")
    return out


@pytest.fixture(scope="module")
def graded(graded_with_feedback):
    import json

    results = json.loads((graded_with_feedback / "r.json").read_text())["results"]
    return {(r["student"], r["exercise"]): r for r in results}


@pytest.mark.parametrize("student", CASES)
def test_hostile_or_broken_submission_is_judged_by_the_source(graded, student):
    _, expected_score, reason_words = CASES[student]
    result = graded[student, "toy"]
    assert result["status"] == "graded", result
    assert result["max_score"] == 3.0, "points come from the source, not the submission"
    assert result["score"] == expected_score, result
    for word in reason_words:
        assert word in result["reason"] + " ".join(t["message"] for t in result["tests"]), result


def test_feedback_page_says_what_was_repaired(graded_with_feedback):
    page = (graded_with_feedback / "feedback" / "no_metadata" / "toy.html").read_text(encoding="utf-8")
    assert "採点時の注意" in page and "add_answer" in page


def test_a_failing_test_says_what_was_checked(graded):
    add = next(t for t in graded["edit_tests", "toy"]["tests"] if t["grade_id"] == "test_add")
    assert not add["passed"] and "add が整数の和を返すか確かめます" in add["message"]
    assert "add(1, 2) は 3 のはずですが -1 でした" in add["message"]


def test_grading_twice_gives_identical_json(tmp_path):
    """Deterministic: the same batch graded twice, from scratch, gives byte-identical JSON."""
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    for student in ("no_metadata", "edit_tests", "stderr_warning"):
        make_submission(batch, student, root / "solutions" / "toy.ipynb", CASES[student][0])
    first = grade_to_json(batch, source, tmp_path / "a")
    second = grade_to_json(batch, source, tmp_path / "b")
    assert first == second
    assert (tmp_path / "a" / "r.json").read_bytes() == (tmp_path / "b" / "r.json").read_bytes()


def test_fresh_sandboxed_kernels_isolate_too(tmp_path):
    """Without the kernel factory (one new sandboxed Python per notebook) the same guarantees hold."""
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    cases = ("snoop", "write_outside", "network", "exits", "hide_tracebacks")
    for student in cases:
        make_submission(batch, student, root / "solutions" / "toy.ipynb", CASES[student][0])
    results = grade_to_json(batch, source, tmp_path / "out", "--no-kernel-factory")
    assert {s: results[s, "toy"]["score"] for s in cases} == {s: float(CASES[s][1]) for s in cases}

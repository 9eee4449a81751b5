"""Tensors and nn.Module classes between the grader's test cells and the student's answer cells, as
the neural-network chapters' exercises need them: ``torch.allclose(student_fn(x), ref)`` and
``m = Student(4); m.load_state_dict(ref.state_dict()); m(x)`` in a test cell that runs in the grader,
with the student's code in the sandboxed kernel (fixture: tests/fixtures/source_torch/tensors)."""
from __future__ import annotations

import nbformat
import pytest

from autograder.check import run_check
from autograder.exercises import load_exercises
from tests.grading_helpers import TORCH_FIXTURE_SOURCE, grade_to_json, make_submission, release_toy

pytestmark = pytest.mark.slow

LIARS = '''
class LyingTensor:
    """Claims to equal anything, as a tensor, an array and a truth value."""
    shape = (2, 3)
    dtype = torch.float64
    def __eq__(self, other):
        return True
    def __bool__(self):
        return True
    def __array__(self, *a, **k):
        return np.full(3, -0.5)
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True
    def numpy(self):
        return np.full(3, -0.5)
    __hash__ = object.__hash__

def scale(x, factor):
    return LyingTensor()

class Affine(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.linear = nn.Linear(n, n)
    def forward(self, x):
        return LyingTensor()
'''

PATCHES = '''
import builtins, numpy, torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda *a, **k: True
numpy.allclose = lambda *a, **k: True
builtins.isinstance = lambda *a: True
'''


def add_cell(code):
    def edit(nb):
        nb.cells.append(nbformat.v4.new_code_cell(code))
    return edit


@pytest.fixture(scope="module")
def torch_fixture(tmp_path_factory):
    return release_toy(tmp_path_factory.mktemp("tensors"), TORCH_FIXTURE_SOURCE)


@pytest.fixture(scope="module")
def graded(torch_fixture, tmp_path_factory):
    source, root = torch_fixture
    batch = tmp_path_factory.mktemp("batch")
    make_submission(batch, "solution", root / "solutions" / "tensors.ipynb", name="tensors.ipynb")
    make_submission(batch, "stub", root / "exercises" / "tensors.ipynb", name="tensors.ipynb")
    make_submission(batch, "liars", root / "exercises" / "tensors.ipynb", add_cell(LIARS), name="tensors.ipynb")
    make_submission(batch, "patches", root / "exercises" / "tensors.ipynb", add_cell(PATCHES), name="tensors.ipynb")
    return grade_to_json(batch, source, tmp_path_factory.mktemp("out"), "--jobs", "2")


def test_tensors_and_modules_cross_between_tests_and_answers(graded):
    solution = graded["solution", "tensors"]
    assert (solution["status"], solution["score"], solution["max_score"]) == ("graded", 3.0, 3.0), solution


@pytest.mark.parametrize("student", ["stub", "liars", "patches"])
def test_unfinished_or_lying_tensor_code_scores_zero(graded, student):
    result = graded[student, "tensors"]
    assert (result["status"], result["score"]) == ("graded", 0.0), result


def test_check_passes_on_the_torch_fixture(torch_fixture):
    """Solution full marks, stub 0, each wrong solution caught, each hidden test catching one."""
    source, root = torch_fixture
    lines = []
    assert run_check(load_exercises(source, root), out=lines.append), "\n".join(lines)

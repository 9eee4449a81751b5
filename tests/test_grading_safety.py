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
    answer_cell(nb, "add").source = ("def add(a, b):\n    for _ in range(30_000):\n        print('flood' * 40)\n"
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



# --------------------------------------------------------------------------- attacks on the grader's verdict
# Each is the unfinished student version (every answer raises NotImplementedError, or is wrong) plus
# code that tries to make the grader believe the tests passed, or to read them. The test cells run in
# the grader's process, not in the kernel, so each must score 0. The code goes first in the answer
# cell of add (before its stub), or replaces the answer cells when it defines add and mean itself.

ATTACKS = {
    "input_transformer": (
        "ip = get_ipython()\n"
        "ip.input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
        "ip.input_transformers_post.append(lambda lines: ['pass\\n'])"),
    "ast_transformer": (
        "import ast\n"
        "class NoChecks(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n        return ast.Pass()\n"
        "    def visit_Raise(self, node):\n        return ast.Pass()\n"
        "get_ipython().ast_transformers.append(NoChecks())"),
    "event_hooks": (
        "ip = get_ipython()\nseen = []\n"
        "ip.events.register('pre_run_cell', lambda info: seen.append(info.raw_cell))\n"
        "ip.events.register('pre_execute', lambda: seen.append('x'))\n"
        "def forget(result):\n    result.error_in_exec = None\n    result.error_before_exec = None\n"
        "ip.events.register('post_run_cell', forget)"),
    "custom_exception_handler": (
        "get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)"),
    "traceback_and_excepthook": (
        "import sys\nsys.excepthook = lambda *a: None\nip = get_ipython()\n"
        "ip.showtraceback = lambda *a, **k: None\nip.showsyntaxerror = lambda *a, **k: None\n"
        "ip._showtraceback = lambda *a, **k: None"),
    "run_cell_patched": (
        "import asyncio\nip = get_ipython()\n"
        "async def nothing(*a, **k):\n    return None\n"
        "ip.run_cell_async = nothing\nip.run_cell = lambda *a, **k: None\nip.should_run_async = lambda *a, **k: False"),
    "print_and_stdout_patched": (
        "import builtins, sys\nbuiltins.print = lambda *a, **k: None\n"
        "class Fake:\n    def write(self, s):\n        sys.__stdout__.write('autograder-test-completed-' + '0' * 32 + '\\n')\n"
        "        return len(s)\n    def flush(self):\n        pass\n"
        "sys.stdout = Fake()\nsys.stderr = Fake()"),
    "comparisons_patched": (
        "import builtins, math, operator, numpy\n"
        "math.isclose = lambda *a, **k: True\nnumpy.allclose = lambda *a, **k: True\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\noperator.eq = lambda a, b: True\n"
        "builtins.isinstance = lambda *a: True\nbuiltins.AssertionError = type('Nothing', (Exception,), {})\n"
        "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True"),
    "frame_and_history_inspection": (
        "import gc, linecache, sys\n"
        "def _peek():\n"
        "    texts = [str(x) for x in globals().get('_ih', [])] + [str(x) for x in globals().get('In', [])]\n"
        "    f = sys._getframe()\n"
        "    while f is not None:\n"
        "        texts.append(''.join(linecache.getlines(f.f_code.co_filename)))\n"
        "        texts.append(repr(f.f_locals)[:5000])\n"
        "        f = f.f_back\n"
        "    texts += [''.join(v[2]) for v in linecache.cache.values() if isinstance(v, tuple) and len(v) > 2 and isinstance(v[2], list)]\n"
        "    for o in gc.get_objects():\n"
        "        if isinstance(o, dict):\n"
        "            texts += [v for v in o.values() if isinstance(v, str) and 'assert' in v]\n"
        "    return '\\n'.join(t for t in texts if 'assert' in t)\n"
        "def add(a, b):\n"
        "    found = _peek()\n"
        "    if 'add(-5, 5)' + ' == 0' in found:\n        return a + b  # would need the hidden test's text\n"
        "    raise AssertionError('LEAK:' + found[-5000:])\n"
        "def mean(xs):\n    raise ValueError('LEAK:' + _peek()[-5000:])"),
    "settrace": (
        "import sys, threading\n"
        "def tracer(frame, event, arg):\n    if event == 'exception':\n        frame.f_trace_lines = False\n    return tracer\n"
        "sys.settrace(tracer)\nthreading.settrace(tracer)"),
    "lying_objects": (
        "class Liar:\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n"
        "    def __bool__(self):\n        return True\n"
        "    def __float__(self):\n        return 2.0\n"
        "    def __array__(self, *a, **k):\n        import numpy\n        return numpy.array(2.0)\n"
        "    __hash__ = object.__hash__\n"
        "class LyingInt(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "class LyingFloat(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\n"
        "def add(a, b):\n    return LyingInt(0)\n"
        "def mean(xs):\n    if not xs:\n        raise ValueError()\n    return Liar() if len(xs) == 3 else LyingFloat(0.0)"),
    "marker_imitation": (
        "print('{\"kind\": \"value\", \"value\": 3}')\n"
        "print('autograder-test-completed-' + 'f' * 32)\n"
        "from IPython.display import display\n"
        "display({'application/json': {'passed': True, 'score': 3}}, raw=True)"),
    "fake_agent": (
        "import sys, types, json\n"
        "def serve():\n"
        "    k = get_ipython().kernel\n"
        "    sock, session = k.stdin_socket, k.session\n"
        "    ident, parent = k._parent_ident['shell'], k.get_parent('shell')\n"
        "    def ask(m):\n"
        "        session.send(sock, 'input_request', {'prompt': json.dumps(m), 'password': False}, parent, ident=ident)\n"
        "        while True:\n"
        "            if sock.poll(100):\n"
        "                _, r = session.recv(sock)\n"
        "                if r is not None:\n"
        "                    return json.loads(r['content']['value'])\n"
        "    msg = ask({'kind': 'ready'})\n"
        "    while msg.get('op') != 'done':\n"
        "        if msg['op'] == 'get' and msg['name'] == 'mean':\n"
        "            reply = {'kind': 'value', 'value': {'$': 'global', 'module': 'os', 'qualname': 'system'}}\n"
        "        elif msg['op'] == 'get':\n"
        "            reply = {'kind': 'value', 'value': {'$': 'ref', 'id': 1, 'kind': 'object', 'type': 'f', 'mro': []}}\n"
        "        else:\n"
        "            reply = {'kind': 'value', 'value': 3}\n"
        "        msg = ask(reply)\n"
        "sys.modules['_autograder_agent'] = types.SimpleNamespace(serve=serve)"),
}


def attack(code):
    def edit(nb):
        add = answer_cell(nb, "add")
        if "def mean(" in code:
            answer_cell(nb, "mean").source = "pass"
        add.source = code if "def add(" in code else code + "\n" + add.source
    return edit


@pytest.fixture(scope="module")
def graded_with_feedback(tmp_path_factory):
    """Every case graded in one batch; returns the output folder (r.json, feedback/)."""
    source, root = release_toy(tmp_path_factory.mktemp("toy"))
    batch = tmp_path_factory.mktemp("batch")
    for student, (edit, _, _) in CASES.items():
        make_submission(batch, student, root / "solutions" / "toy.ipynb", edit)
    for student, code in ATTACKS.items():
        make_submission(batch, student, root / "exercises" / "toy.ipynb", attack(code))
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
        assert word in " ".join(result["notes"]) + " ".join(t["message"] for t in result["tests"]), result


@pytest.mark.parametrize("student", ATTACKS)
def test_attack_on_the_verdict_scores_zero(graded, student):
    """0 points, whether the notebook is graded or breaks its own kernel so badly that nbgrader gives up
    on it (patching builtins.isinstance wedges ipykernel itself: an error result, still one entry)."""
    result = graded[student, "toy"]
    assert result["status"] in ("graded", "error"), result
    assert result["score"] == 0.0, result


def test_student_exception_carrying_test_text_leaks_nothing(graded, graded_with_feedback):
    """The student's functions search history, frames, linecache and the garbage collector for the
    test's text and raise with whatever they found: the tests never ran in their kernel, and the
    feedback carries no text of the student's exceptions either."""
    result = graded["frame_and_history_inspection", "toy"]
    page = (graded_with_feedback / "feedback" / "frame_and_history_inspection" / "toy.html").read_text(encoding="utf-8")
    text = page + " ".join(t["message"] for t in result["tests"])
    for secret in ("LEAK", "add(-5, 5)", "HIDDEN", "isinstance(mean", "ValueError を送出するはずです"):
        assert secret not in text, secret
    assert "を送出しました" in text  # the name of what the student's code raised, nothing more


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

"""Per-kernel limits on /tmp and processes: one submission cannot starve its neighbours.

A submission that fills its /tmp gets ENOSPC at its own limit; a fork bomb gets BlockingIOError at
its own process limit (each kernel has its own user namespace, where RLIMIT_NPROC counts only its own
processes). Meanwhile the other notebooks of the same batch are graded normally. Both ways of starting
kernels are checked: forked from the kernel factory (default) and one fresh sandbox per notebook.
The limits are small here so that the tests are quick.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.sandbox import Limits
from tests.grading_helpers import answer_cell, make_submission, release_toy

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sandbox.available() is not None, reason=str(sandbox.available()))]

MiB = 1024**2
LIMITS = Limits(processes=48, tmp_bytes=8 * MiB)

FILL_TMP = """import errno, tempfile, os
written, stopped = 0, None
try:
    for i in range(64):  # 64 MiB in 1 MiB files, far beyond the 8 MiB limit of the test
        with open(os.path.join(tempfile.gettempdir(), f"fill-{i}"), "wb") as f:
            f.write(b"x" * 2**20)
        written += 1
except OSError as exc:
    stopped = errno.errorcode.get(exc.errno)
def add(a, b):
    assert stopped == "ENOSPC" and written < 8, (stopped, written)
    return a + b
"""

FORK_BOMB = """import os, time
def _bomb():
    while True:  # each child keeps its process slot until the kernel ends
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
def add(a, b):
    _bomb()
"""

NEIGHBOUR_FORKS = """import os
def add(a, b):
    children = []
    for _ in range(8):  # needs processes of its own while the bomb holds all of its own
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return a + b
"""


def replace_answers(add, mean=None):
    def edit(nb):
        answer_cell(nb, "add").source = add
        if mean:
            answer_cell(nb, "mean").source = mean
    return edit


CASES = {  # student -> (edit, expected score)
    "a_fill_tmp": (replace_answers(FILL_TMP), 3.0),
    "b_fork_bomb": (replace_answers(FORK_BOMB, "def mean(xs):\n    _bomb()"), 0.0),
    "c_neighbour": (None, 3.0),
    "d_neighbour_forks": (replace_answers(NEIGHBOUR_FORKS), 3.0),
}


def grade(batch: Path, source: Path, root: Path, work: Path, kernel_factory: bool) -> dict[str, dict]:
    from autograder.batch import grade_batch
    from autograder.exercises import load_exercises
    from autograder.settings import GraderSettings
    from autograder.submissions import find_submissions

    settings = GraderSettings(kernel_factory=kernel_factory, jobs=2, cell_timeout=20, limits=LIMITS)
    results = grade_batch(find_submissions([batch]), work, load_exercises(source, root), settings=settings)
    return {r.student: r for r in results}


@pytest.mark.parametrize("kernel_factory", [True, False], ids=["factory", "fresh"])
def test_full_tmp_and_fork_bomb_stop_at_their_own_limits(tmp_path, kernel_factory):
    print(sandbox.limits_in_force(LIMITS, kernel_factory))
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    for student, (edit, _) in CASES.items():
        make_submission(batch, student, root / "solutions" / "toy.ipynb", edit)
    results = grade(batch, source, root, tmp_path / "work", kernel_factory)
    assert len(results) == len(CASES)
    assert {s: r.score for s, r in results.items()} == {s: score for s, (_, score) in CASES.items()}, results
    assert all(r.status == "graded" for r in results.values()), results
    bomb = results["b_fork_bomb"]
    # What stopped it, in the first test's feedback. (Its later cells fail too: its own kernel has no
    # process left to spare while the bomb's children live.)
    assert "BlockingIOError" in bomb.tests[0].message and not any(t.passed for t in bomb.tests), bomb


SANDBOXED_BOMB = """import errno, os, sys, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
except OSError as exc:
    print(children, errno.errorcode[exc.errno], flush=True)
time.sleep(30)
"""

SANDBOXED_NEIGHBOUR = """import os, sys, time
while not os.path.exists(sys.argv[1]):  # the bomb has used up its processes
    time.sleep(0.05)
children = []
for _ in range(20):
    pid = os.fork()
    if pid == 0:
        time.sleep(0.5)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
print("forked", len(children), flush=True)
"""


def test_fresh_sandboxes_count_processes_apart(tmp_path):
    """Two sandboxes side by side (the one-bwrap-per-notebook command line): while the first holds all
    the processes its limit allows, the second still starts 20. (With one RLIMIT_NPROC shared by all
    kernels, as before per-kernel user namespaces, the second could not start one.)"""
    limits = Limits(processes=24)
    folders = [tmp_path / name for name in ("bomb", "neighbour")]
    for folder in folders:
        folder.mkdir()
        if os.geteuid() == 0:
            os.chown(folder, sandbox.NOBODY, sandbox.NOBODY)
    flag = folders[1] / "bomb-done"
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp/work"}
    bomb = subprocess.Popen(sandbox.bwrap_command(folders[0], limits, ["-c", SANDBOXED_BOMB], env),
                            stdout=subprocess.PIPE, text=True)
    neighbour = subprocess.Popen(sandbox.bwrap_command(folders[1], limits, ["-c", SANDBOXED_NEIGHBOUR, str(flag)], env),
                                 stdout=subprocess.PIPE, text=True)
    try:
        children, error = bomb.stdout.readline().split()
        assert error == "EAGAIN" and 0 < int(children) < limits.processes, (children, error)
        flag.write_text("")
        assert neighbour.communicate(timeout=60)[0].strip() == "forked 20"
    finally:
        for process in (bomb, neighbour):
            process.kill()
            process.wait()


def test_bench_batch_runs_a_small_batch():
    """`benchmarks/bench_batch.py --n 20`: every notebook (2 of them broken or hostile) gets exactly one
    result. It prints figures; nothing about time is asserted."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, str(root / "benchmarks" / "bench_batch.py"), "--n", "20"],
                          capture_output=True, text=True, timeout=1800, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "results: 20 for 20 notebooks, 20 distinct" in proc.stdout, proc.stdout

"""Several graders sharing one PostgreSQL gradebook (the suite's real server): each submission is
claimed with FOR UPDATE SKIP LOCKED, graded once, none lost, and a killed grader's claim is taken over."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.queue import results
from tests.grading_helpers import ROOT, answer_cell, make_submission, release_toy, run_autograder
from tests.postgres_server import postgres_server

pytestmark = pytest.mark.slow


def wrong_add(nb):
    answer_cell(nb, "add").source = "def add(a, b):\n    return a - b"


def test_two_graders_share_the_queue_and_take_over_a_killed_one(tmp_path):
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    for i in range(6):
        make_submission(batch, f"s{i}", root / "solutions" / "toy.ipynb", wrong_add if i % 2 else None)
    with postgres_server() as url:
        queued = run_autograder("enqueue", batch, "--db", url)
        assert queued.returncode == 0, queued.stderr

        def grader(name, lease):
            return subprocess.Popen([sys.executable, "-m", "autograder", "work", "--db", url, "--workdir",
                                     str(tmp_path / name), "--source", str(source), "--lease", str(lease)],
                                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

        doomed = grader("doomed", 8)
        deadline = time.monotonic() + 600
        while not any(state == "claimed" for _, _, _, state, _, _ in results(url)):
            assert time.monotonic() < deadline and doomed.poll() is None
            time.sleep(0.2)
        os.kill(doomed.pid, signal.SIGKILL)  # mid-grading: its claim stays until the lease runs out
        doomed.wait()
        survivors = [grader("a", 30), grader("b", 30)]
        outputs = [p.communicate(timeout=900)[0] for p in survivors]
        assert all(p.returncode == 0 for p in survivors), outputs
        rows = results(url)
    assert [r[3] for r in rows] == ["done"] * 6
    assert [r[5]["score"] for r in rows] == [3.0, 2.0] * 3, rows
    assert max(r[4] for r in rows) == 2 and sum(r[4] for r in rows) == 7, "the killed grader's claim was retaken once"
    graded_lines = [line for out in outputs for line in out.splitlines() if line.startswith("s")]
    assert sorted(line.split("\t")[0] for line in graded_lines) == [f"s{i}" for i in range(6)], "each graded once"

"""Grading a class folder: resumable after kill -9, one result per submission in the gradebook and
the JSON, exported as a student x exercise table, on SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from tests.grading_helpers import ROOT, answer_cell, grade_to_json, make_submission, release_toy, run_autograder
from tests.postgres_server import postgres_server

pytestmark = pytest.mark.slow


def wrong_add(nb):
    answer_cell(nb, "add").source = "def add(a, b):\n    return a - b"


def class_folder(batch: Path, solution: Path, students: int) -> None:
    for i in range(students):
        make_submission(batch, f"s{i:02d}", solution, wrong_add if i % 2 else None)


def gradebook_rows(db_url: str) -> list[tuple[str, str, float]]:
    with Gradebook(db_url, "llm-shikumi") as gb:
        return sorted((s.student.id, s.assignment.name, s.score) for a in gb.assignments for s in a.submissions)


def test_killed_batch_resumes_and_grades_only_what_is_missing(tmp_path):
    source, root = release_toy(tmp_path / "toy")
    batch, work = tmp_path / "batch", tmp_path / "work"
    class_folder(batch, root / "solutions" / "toy.ipynb", 8)
    cmd = [sys.executable, "-m", "autograder", "grade", str(batch), "--source", str(source),
           "--workdir", str(work), "--json", str(tmp_path / "r.json"), "--jobs", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    states = work / "results"
    deadline = time.monotonic() + 300
    while len(list(states.glob("*/*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # mid-batch, no chance to clean up
    proc.wait()
    done_before = {p.parent.name for p in states.glob("*/*.json")}
    assert 3 <= len(done_before) < 8, f"the kill should land mid-batch; {len(done_before)} were done"
    mtimes = {p: p.stat().st_mtime_ns for p in states.glob("*/*.json")}

    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    for path, mtime in mtimes.items():  # what was finished was not graded again
        assert path.stat().st_mtime_ns == mtime, f"{path} was regraded"
    results = json.loads((tmp_path / "r.json").read_text())["results"]
    assert sorted(r["student"] for r in results) == [f"s{i:02d}" for i in range(8)]
    assert all(r["status"] == "graded" for r in results)
    assert [r["score"] for r in sorted(results, key=lambda r: r["student"])] == [3.0, 2.0] * 4
    rows = gradebook_rows(f"sqlite:///{work / 'gradebook.db'}")
    assert [(s, e) for s, e, _ in rows] == [(f"s{i:02d}", "toy") for i in range(8)], "one gradebook entry each"
    assert [score for *_, score in rows] == [3.0, 2.0] * 4


def test_a_changed_submission_is_regraded(tmp_path):
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    make_submission(batch, "amy", root / "solutions" / "toy.ipynb", wrong_add)
    assert grade_to_json(batch, source, tmp_path)["amy", "toy"]["score"] == 2.0
    make_submission(batch, "amy", root / "solutions" / "toy.ipynb")  # fixed and resubmitted
    assert grade_to_json(batch, source, tmp_path)["amy", "toy"]["score"] == 3.0


def test_export_writes_a_student_by_exercise_table(tmp_path):
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    class_folder(batch, root / "solutions" / "toy.ipynb", 3)
    (batch / "s03").mkdir()
    (batch / "s03" / "toy.ipynb").write_text("broken", encoding="utf-8")
    grade_to_json(batch, source, tmp_path)
    proc = run_autograder("export", "--csv", tmp_path / "grades.csv", "--workdir", tmp_path / "work")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader((tmp_path / "grades.csv").open(encoding="utf-8")))
    assert rows == [["student", "toy", "total", "max_total"], ["s00", "3", "3", "3"], ["s01", "2", "2", "3"],
                    ["s02", "3", "3", "3"], ["s03", "0", "0", "3"]]


def test_postgresql_gradebook_with_parallel_workers(tmp_path):
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    class_folder(batch, root / "solutions" / "toy.ipynb", 6)
    with postgres_server() as url:
        results = grade_to_json(batch, source, tmp_path, "--db", url, "--jobs", "2")
        assert [results[f"s{i:02d}", "toy"]["score"] for i in range(6)] == [3.0, 2.0] * 3
        rows = gradebook_rows(url)
        assert [(s, score) for s, _, score in rows] == [(f"s{i:02d}", [3.0, 2.0][i % 2]) for i in range(6)]
        proc = run_autograder("export", "--csv", tmp_path / "pg.csv", "--db", url)
        assert proc.returncode == 0, proc.stderr
        assert len(list(csv.reader((tmp_path / "pg.csv").open()))) == 7


def test_a_changed_hidden_test_regrades(tmp_path):
    """The resume fingerprint covers the exercise's source: a changed hidden test re-grades."""
    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    make_submission(batch, "amy", root / "solutions" / "toy.ipynb")
    assert grade_to_json(batch, source, tmp_path)["amy", "toy"]["score"] == 3.0
    notebook = source / "toy" / "toy.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("add(-5, 5) == 0", "add(-5, 5) == 1"),
                        encoding="utf-8")
    assert grade_to_json(batch, source, tmp_path)["amy", "toy"]["score"] == 2.0


def test_a_crashing_grader_worker_fails_only_its_own_submission(tmp_path, monkeypatch):
    """A submission that kills the grader's worker process (not just its kernel) gets an error; the
    others, which were pending in the same pool, are graded."""
    from autograder.batch import grade_batch
    from autograder.exercises import load_exercises
    from autograder.grading import Grader
    from autograder.settings import GraderSettings
    from autograder.results import Result
    from autograder.submissions import find_submissions

    source, root = release_toy(tmp_path / "toy")
    batch = tmp_path / "batch"
    for student in ("a1", "a2", "crasher", "a3", "a4"):
        make_submission(batch, student, root / "solutions" / "toy.ipynb")

    def grade(self, submission):  # stands in for grading; the crasher takes its worker down
        if submission.student == "crasher":
            os._exit(1)
        return Result(submission.student, submission.exercise, str(submission.path), "graded", 3.0, 3.0)

    monkeypatch.setattr(Grader, "grade", grade)  # inherited by the forked workers
    results = grade_batch(find_submissions([batch]), tmp_path / "work", load_exercises(source, root),
                          settings=GraderSettings(sandbox=False, jobs=2))
    by_student = {r.student: r for r in results}
    assert by_student["crasher"].status == "error" and "crashed" in by_student["crasher"].reason
    assert all(by_student[s].status == "graded" for s in ("a1", "a2", "a3", "a4"))
    # the run's own story is told in notes, apart from any test's feedback
    assert any("retried alone" in note for note in by_student["crasher"].notes)

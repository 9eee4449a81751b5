"""The per-student CI workflow's steps, run locally: a student's repository holding one correct and
one unfinished exercise is graded with the hidden tests kept in the course repository."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "classroom" / "student-repo-template" / ".github" / "workflows" / "grade.yml"
SCRIPT = ROOT / "classroom" / "grade-student-repo.sh"


def test_workflow_runs_the_script_with_the_course_checked_out_beside_the_student_repo():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["grade"]["steps"]
    checkouts = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts == ["student", "course"]
    commands = " ".join(s.get("run", "") for s in steps)
    assert "course/classroom/grade-student-repo.sh student out" in commands


@pytest.mark.slow
def test_grade_student_repo_script(tmp_path):
    repo = tmp_path / "alice-repo"
    repo.mkdir()
    shutil.copy(ROOT / "solutions" / "morphology.ipynb", repo / "morphology.ipynb")
    shutil.copy(ROOT / "exercises" / "ngram.ipynb", repo / "ngram.ipynb")
    (repo / "notes.ipynb").write_text("{}", encoding="utf-8")  # not an exercise: not graded
    proc = subprocess.run(["bash", str(SCRIPT), str(repo), str(tmp_path / "out"), "alice"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {r["exercise"]: r for r in json.loads((tmp_path / "out" / "result.json").read_text())["results"]}
    assert set(results) == {"morphology", "ngram"}
    assert results["morphology"]["score"] == results["morphology"]["max_score"] > 0
    assert results["ngram"]["score"] == 0 and results["ngram"]["status"] == "graded"
    assert (tmp_path / "out" / "feedback" / "alice" / "ngram.html").exists()
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "| alice | morphology |" in summary and "NotImplementedError" in summary
    hidden = "### BEGIN HIDDEN TESTS"
    assert hidden not in (tmp_path / "out" / "feedback" / "alice" / "ngram.html").read_text(encoding="utf-8")

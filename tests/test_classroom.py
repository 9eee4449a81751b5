"""Classroom grading from the instructor's side: students' repositories hold no workflow and no
secret; the instructor's job collects, grades centrally and returns each student only their own
results (run here on local git repositories and the toy exercise)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.grading_helpers import release_toy, run_autograder

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "classroom" / "student-repo-template"
WORKFLOW = ROOT / "classroom" / "instructor-workflow" / "grade-class.yml"
SCRIPT = ROOT / "classroom" / "grade_class.py"


def test_student_template_holds_no_workflow_and_no_secret():
    files = [p for p in TEMPLATE.rglob("*") if p.is_file()]
    assert files and not any(".github" in p.parts for p in files), files
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    for word in ("secrets.", "TOKEN", "HIDDEN", "autograder/source"):
        assert word not in text, word


def test_instructor_workflow_grades_in_its_own_repository():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["grade"]["steps"]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout")]
    assert len(checkouts) == 1 and "with" not in checkouts[0], "only the instructor's own repository is checked out"
    runs = [s.get("run", "") for s in steps]
    assert any("grade_class.py collect" in r for r in runs) and any("-m autograder grade" in r for r in runs)
    assert any("grade_class.py return" in r for r in runs)
    triggers = workflow.get(True, workflow.get("on"))  # YAML reads the key `on` as True
    assert "push" not in triggers and "pull_request" not in triggers and "pull_request_target" not in triggers


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def student_repo(folder: Path, files: dict[str, Path]) -> Path:
    folder.mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=folder)
    for name, source in files.items():
        shutil.copy(source, folder / name)
    git("add", ".", cwd=folder)
    git("-c", "user.name=s", "-c", "user.email=s@example.org", "commit", "-q", "-m", "work", cwd=folder)
    return folder


@pytest.mark.slow
def test_collect_grade_and_return_each_student_only_their_results(tmp_path):
    source, root = release_toy(tmp_path / "toy")
    alice = student_repo(tmp_path / "alice-repo", {"toy.ipynb": root / "solutions" / "toy.ipynb",
                                                   "notes.ipynb": root / "exercises" / "toy.ipynb"})
    bob = student_repo(tmp_path / "bob-repo", {"toy.ipynb": root / "exercises" / "toy.ipynb"})
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student,repository\nalice,{alice}\nbob,{bob}\ncarol,{tmp_path / 'missing'}\n", encoding="utf-8")
    submissions = tmp_path / "submissions"
    collect = subprocess.run([sys.executable, str(SCRIPT), "collect", str(roster), str(submissions),
                              "--source", str(source)], capture_output=True, text=True, timeout=300)
    assert collect.returncode == 0, collect.stderr
    assert json.loads(collect.stdout) == {"alice": ["toy"], "bob": ["toy"], "carol": []}
    assert sorted(p.relative_to(submissions).as_posix() for p in submissions.rglob("*.ipynb")) == \
        ["alice/toy.ipynb", "bob/toy.ipynb"]

    graded = run_autograder("grade", submissions, "--source", source, "--workdir", tmp_path / "work",
                            "--json", tmp_path / "results.json", "--feedback", tmp_path / "feedback")
    assert graded.returncode == 0, graded.stderr
    back = subprocess.run([sys.executable, str(SCRIPT), "return", str(tmp_path / "results.json"),
                           str(tmp_path / "feedback"), str(tmp_path / "returned")], capture_output=True, text=True)
    assert back.returncode == 0, back.stderr
    alice_score = (tmp_path / "returned" / "alice" / "score.md").read_text(encoding="utf-8")
    bob_score = (tmp_path / "returned" / "bob" / "score.md").read_text(encoding="utf-8")
    assert "| alice | toy | 3 / 3 |" in alice_score and "bob" not in alice_score
    assert "| bob | toy | 0 / 3 |" in bob_score and "alice" not in bob_score
    assert (tmp_path / "returned" / "bob" / "toy.html").exists()
    everything = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "returned").rglob("*") if p.is_file())
    assert "add(-5, 5)" not in everything and "HIDDEN" not in everything

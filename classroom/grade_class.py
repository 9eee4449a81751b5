"""Grade a class from the instructor's side: collect every student's notebooks, grade them centrally,
and give each student back only their own score and feedback.

Run from a checkout of the instructor's (private) course repository, by hand or by a scheduled CI job
(``classroom/instructor-workflow/grade-class.yml``). Students' repositories hold only their notebooks:
no workflow, no token, no hidden test. Threat model: ``autograder/SECURITY.md``.

    python classroom/grade_class.py collect ROSTER.csv SUBMISSIONS   # clone each repo, copy its exercise notebooks
    python -m autograder grade SUBMISSIONS --json results.json --feedback feedback
    python classroom/grade_class.py return results.json feedback OUT # one folder per student: score.md + feedback

``ROSTER.csv`` has the columns ``student,repository`` (a git URL or path). ``collect`` takes each
repository's default branch as it is when it runs, so run it at the deadline (a scheduled job):
commit dates are written by the student and are not evidence of when work was done.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def exercise_ids(source: Path | None = None) -> list[str]:
    from autograder.exercises import SOURCE_DIR, load_exercises

    return sorted(load_exercises(source or SOURCE_DIR))


def read_roster(path: Path) -> list[tuple[str, str]]:
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            student, repository = row["student"].strip(), row["repository"].strip()
            if not STUDENT_ID.match(student):
                raise ValueError(f"roster: bad student id {student!r}")
            rows.append((student, repository))
    return rows


def collect(roster: Path, out: Path, ids: list[str], git=("git",)) -> dict[str, list[str]]:
    """Copy ``<id>.ipynb`` from the top of each student's repository to ``out/<student>/``; returns
    student -> exercise ids collected. A repository that cannot be cloned gets an empty folder."""
    collected: dict[str, list[str]] = {}
    for student, repository in read_roster(roster):
        folder = out / student
        folder.mkdir(parents=True, exist_ok=True)
        collected[student] = []
        with tempfile.TemporaryDirectory(prefix="collect-") as tmp:
            clone = subprocess.run([*git, "clone", "--quiet", "--depth", "1", "--no-checkout", repository, tmp],
                                   capture_output=True, text=True, timeout=300)
            if clone.returncode != 0:
                print(f"{student}: cannot clone {repository}: {clone.stderr.strip()[:200]}", file=sys.stderr)
                continue
            for exercise in ids:
                # git show reads the blob without checking anything out: no hooks, no symlinks followed
                blob = subprocess.run([*git, "-C", tmp, "show", f"HEAD:{exercise}.ipynb"], capture_output=True,
                                      timeout=60)
                if blob.returncode == 0 and len(blob.stdout) <= MAX_NOTEBOOK_BYTES:
                    (folder / f"{exercise}.ipynb").write_bytes(blob.stdout)
                    collected[student].append(exercise)
    return collected


def give_back(results_json: Path, feedback: Path, out: Path) -> list[Path]:
    """``out/<student>/score.md`` (that student's rows only) and their feedback pages."""
    from autograder.results import markdown_summary, read_json

    results = read_json(results_json)
    written = []
    for student in sorted({r.student for r in results}):
        mine = [r for r in results if r.student == student]
        folder = out / student
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "score.md").write_text(markdown_summary(mine) + "\n", encoding="utf-8")
        pages = feedback / student
        if pages.is_dir():
            for page in pages.glob("*.html"):
                shutil.copy(page, folder / page.name)
        written.append(folder)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="classroom/grade_class.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="copy each student's exercise notebooks into SUBMISSIONS/<student>/")
    c.add_argument("roster", type=Path)
    c.add_argument("out", type=Path)
    c.add_argument("--source", type=Path, help="exercise sources (default: autograder/source)")
    r = sub.add_parser("return", help="one folder per student with score.md and their feedback pages")
    r.add_argument("results", type=Path)
    r.add_argument("feedback", type=Path)
    r.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "collect":
        collected = collect(args.roster, args.out, exercise_ids(args.source))
        print(json.dumps(collected, ensure_ascii=False))
    else:
        for folder in give_back(args.results, args.feedback, args.out):
            print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m autograder list | release | grade | check``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.exercises import ROOT, SOURCE_DIR, load_exercises

DEFAULT_WORKDIR = ROOT / ".grading"


def cmd_list(args) -> int:
    for exercise in load_exercises().values():
        print(f"{exercise.id}\t{exercise.max_score:g}")
    return 0


def cmd_release(args) -> int:
    from autograder.release import release

    for path in release():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def cmd_grade(args) -> int:
    from autograder.feedback import write_feedback
    from autograder.grading import Grader
    from autograder.results import Result, summary_table, write_json
    from autograder.submissions import find_submissions

    try:
        submissions = find_submissions(args.paths)
    except FileNotFoundError as exc:
        print(f"autograder grade: {exc}", file=sys.stderr)
        return 2
    grader = Grader(args.workdir, load_exercises(args.source))
    results = []
    for submission in submissions:
        try:
            result = grader.grade(submission)
        except Exception as exc:  # one broken submission must not stop the batch
            result = Result.error(submission.student, submission.exercise, str(submission.path),
                                  f"採点中に予期しないエラーが起きました (internal grader error): {type(exc).__name__}: {exc}")
        results.append(result)
        if args.json:  # saved after every notebook: an interrupted batch keeps what it graded
            write_json(results, args.json)
        if args.feedback:
            write_feedback(result, args.feedback)
    if args.json:
        write_json(results, args.json)
    print(summary_table(results))
    return 0


def cmd_check(args) -> int:
    from autograder.check import run_check

    return 0 if run_check() else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="exercise ids and their maximum points").set_defaults(func=cmd_list)
    sub.add_parser("release", help="regenerate exercises/ and solutions/ from autograder/source").set_defaults(func=cmd_release)
    grade = sub.add_parser("grade", help="grade notebooks (files or folders searched for *.ipynb)")
    grade.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    grade.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    grade.add_argument("--feedback", type=Path, metavar="DIR", help="write one HTML feedback page per notebook")
    grade.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                       help="nbgrader course directory holding the gradebook (default: .grading)")
    grade.add_argument("--source", type=Path, default=SOURCE_DIR,
                       help="folder of exercise sources <id>/<id>.ipynb (default: autograder/source)")
    grade.set_defaults(func=cmd_grade)
    sub.add_parser("check", help="solutions full marks, stubs 0, wrong solutions caught, files in sync").set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)

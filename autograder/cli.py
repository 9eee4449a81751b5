"""Command line: ``python -m autograder list | release | grade | check | export | summary | publish | enqueue | work``."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from autograder.exercises import ROOT, SOURCE_DIR, load_exercises

DEFAULT_WORKDIR = ROOT / ".grading"


def byte_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)B?", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 4G, 512M)")
    return int(float(match[1]) * {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[match[2]])


def db_url_of(args) -> str:
    return args.db or f"sqlite:///{Path(args.workdir).resolve() / 'gradebook.db'}"


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
    from autograder.batch import grade_batch
    from autograder.feedback import write_feedback
    from autograder.nbgrader_course import ExecutionSettings
    from autograder.results import summary_table, write_json
    from autograder.sandbox import Limits, available
    from autograder.submissions import find_submissions

    try:
        submissions = find_submissions(args.paths)
    except FileNotFoundError as exc:
        print(f"autograder grade: {exc}", file=sys.stderr)
        return 2
    if not args.no_sandbox and (why := available()):
        print(f"autograder grade: cannot sandbox submissions: {why}", file=sys.stderr)
        return 2
    execution = ExecutionSettings(sandbox=not args.no_sandbox, kernel_factory=not args.no_kernel_factory,
                                  cell_timeout=args.cell_timeout,
                                  notebook_timeout=args.notebook_timeout, max_output_bytes=args.max_output,
                                  limits=Limits(memory_bytes=args.memory))

    def save_progress(partial):  # after every notebook: an interrupted batch keeps what it graded
        if args.json:
            write_json([r for r in partial if r is not None], args.json)

    results = grade_batch(submissions, args.workdir, load_exercises(args.source), args.db, execution,
                          args.jobs, on_result=save_progress)
    if args.feedback:
        for result in results:
            write_feedback(result, args.feedback)
    print(summary_table(results))
    return 0


def cmd_check(args) -> int:
    from autograder.check import run_check

    return 0 if run_check() else 1


def cmd_summary(args) -> int:
    from autograder.results import markdown_summary, read_json

    print(markdown_summary(read_json(args.json_file)))
    return 0


def cmd_export(args) -> int:
    from autograder.export import write_csv

    rows = write_csv(db_url_of(args), args.csv)
    print(f"wrote {args.csv}: {rows} students")
    return 0


def cmd_enqueue(args) -> int:
    from autograder.queue import enqueue
    from autograder.submissions import find_submissions

    try:
        count = enqueue(args.db, find_submissions(args.paths))
    except (FileNotFoundError, ValueError) as exc:
        print(f"autograder enqueue: {exc}", file=sys.stderr)
        return 2
    print(f"queued {count} notebooks")
    return 0


def cmd_work(args) -> int:
    from autograder.nbgrader_course import ExecutionSettings
    from autograder.queue import work
    from autograder.sandbox import available

    if not args.no_sandbox and (why := available()):
        print(f"autograder work: cannot sandbox submissions: {why}", file=sys.stderr)
        return 2
    execution = ExecutionSettings(sandbox=not args.no_sandbox)
    done = work(args.db, args.workdir, load_exercises(args.source), execution, lease=args.lease,
                on_result=lambda r: print(f"{r.student}\t{r.exercise}\t{r.status}\t{r.score:g}", flush=True))
    print(f"graded {done} notebooks")
    return 0


def cmd_publish(args) -> int:
    from autograder.publish import PublishError, publish

    try:
        files = publish(args.dir, args.repository, args.with_solutions)
    except PublishError as exc:
        print(f"autograder publish: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} files to {args.dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="exercise ids and their maximum points").set_defaults(func=cmd_list)
    sub.add_parser("release", help="regenerate exercises/ and solutions/ from autograder/source").set_defaults(func=cmd_release)

    def gradebook_options(p):
        p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                       help="nbgrader course directory and grading state (default: .grading)")
        p.add_argument("--db", metavar="URL", help="gradebook database URL (default: sqlite in --workdir; "
                                                   "e.g. postgresql://user@host/dbname)")

    grade = sub.add_parser("grade", help="grade notebooks (files or folders searched for *.ipynb)")
    grade.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    grade.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    grade.add_argument("--feedback", type=Path, metavar="DIR", help="write one HTML feedback page per notebook")
    gradebook_options(grade)
    grade.add_argument("--jobs", "-j", type=int, default=1, help="notebooks graded in parallel (default 1)")
    grade.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (default 60)")
    grade.add_argument("--notebook-timeout", type=int, default=300, help="seconds per notebook (default 300)")
    grade.add_argument("--memory", type=byte_size, default="4G", help="address-space limit per kernel (default 4G)")
    grade.add_argument("--max-output", type=byte_size, default="100K", help="output kept per cell (default 100K)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run kernels without bubblewrap (only for trusted notebooks, e.g. debugging)")
    grade.add_argument("--no-kernel-factory", action="store_true",
                       help="start a new sandboxed Python per notebook instead of forking it from the "
                            "preloaded kernel factory (slower; same isolation)")
    grade.add_argument("--source", type=Path, default=SOURCE_DIR,
                       help="folder of exercise sources <id>/<id>.ipynb (default: autograder/source)")
    grade.set_defaults(func=cmd_grade)

    sub.add_parser("check", help="solutions full marks, stubs 0, wrong solutions caught, files in sync").set_defaults(func=cmd_check)

    summary = sub.add_parser("summary", help="print the results of a --json file as Markdown")
    summary.add_argument("json_file", type=Path, metavar="RESULTS_JSON")
    summary.set_defaults(func=cmd_summary)

    enqueue = sub.add_parser("enqueue", help="put notebooks into the shared PostgreSQL queue for `work`")
    enqueue.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    enqueue.add_argument("--db", required=True, metavar="URL", help="postgresql://... (the gradebook's database)")
    enqueue.set_defaults(func=cmd_enqueue)

    work = sub.add_parser("work", help="grade notebooks from the shared queue until it is empty (one per machine)")
    work.add_argument("--db", required=True, metavar="URL", help="postgresql://... (the gradebook's database)")
    work.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="this grader's own working folder")
    work.add_argument("--lease", type=float, default=120.0,
                      help="seconds a claim lasts unless renewed; a killed grader's claims are retaken after it")
    work.add_argument("--source", type=Path, default=SOURCE_DIR, help="folder of exercise sources")
    work.add_argument("--no-sandbox", action="store_true", help="run kernels without bubblewrap (trusted notebooks only)")
    work.set_defaults(func=cmd_work)

    publish = sub.add_parser("publish", help="write the student tree (no hidden tests, no wrong solutions) into DIR")
    publish.add_argument("dir", type=Path, metavar="DIR")
    publish.add_argument("--repository", metavar="URL",
                         help="URL of the published repository (launch buttons and Colab cells point to it)")
    publish.add_argument("--with-solutions", action="store_true", help="also publish solutions/")
    publish.set_defaults(func=cmd_publish)

    export = sub.add_parser("export", help="write the gradebook as a student x exercise CSV table")
    export.add_argument("--csv", type=Path, required=True, metavar="FILE")
    gradebook_options(export)
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)

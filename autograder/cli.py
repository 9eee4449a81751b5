"""講義「LLMの仕組み」の自動採点 (the course's autograder).

コマンド (commands):
  list      演習の一覧と満点 / exercise ids and their maximum points
  release   exercises/ と solutions/ を演習の元から作り直す / regenerate exercises/ and solutions/
  check     解答は満点、未解答は 0 点、誤答は減点されるか / solutions full marks, stubs 0, wrong solutions caught
  grade     提出されたノートブックを採点する / grade notebooks
  summary   採点結果 (--json) を Markdown で表示する / print a results file as Markdown
  export    gradebook を学生×演習の CSV に書き出す / the gradebook as a student x exercise CSV
  publish   受講者向けのツリーを書き出す (隠しテストなし) / the student tree, without hidden tests
  enqueue   複数台での採点のキューに入れる / queue notebooks for several graders (PostgreSQL)
  work      キューから採点する (各マシンで 1 つ) / grade from the queue (one per machine)

Installed as the console script ``llm-shikumi-grade`` (``pip install ".[grader]"``); ``python -m
autograder`` is the same program. Run it from the repository's top folder.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.exercises import ROOT, SOURCE_DIR, load_exercises
from autograder.settings import GraderSettings, add_settings_arguments, settings_from_args

DEFAULT_WORKDIR = ROOT / ".grading"


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors introduced in Japanese first."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: コマンドの指定が正しくありません (usage error): {message}\n"
                     f"使い方は {self.prog} --help で表示できます。\n")


def db_url_of(args) -> str:
    return args.db or f"sqlite:///{Path(args.workdir).resolve() / 'gradebook.db'}"


def _fail(command: str, message: str, code: int = 2) -> int:
    print(f"autograder {command}: {message}", file=sys.stderr)
    return code


def _sandbox_problem(settings: GraderSettings) -> str | None:
    from autograder.sandbox import available

    if not settings.sandbox:
        return None
    why = available()
    return None if why is None else (f"提出物をサンドボックスで実行できません (cannot sandbox submissions): {why}。"
                                     "信頼できるノートブックだけなら --no-sandbox で実行できます。")


def cmd_list(args) -> int:
    for exercise in load_exercises(args.source).values():
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
    from autograder.results import summary_table, write_csv, write_json
    from autograder.submissions import find_submissions

    settings = settings_from_args(args)
    try:
        submissions = find_submissions(args.paths)
    except FileNotFoundError as exc:
        return _fail("grade", f"ファイルまたはフォルダーがありません (no such file or folder): {exc.args[0]}")
    if problem := _sandbox_problem(settings):
        return _fail("grade", problem)
    print(f"採点の設定 (settings): {settings.describe()}", file=sys.stderr)
    if settings.sandbox:
        from autograder.sandbox import limits_in_force

        print(f"カーネルごとの上限 (limits): {limits_in_force(settings.limits, settings.kernel_factory)}", file=sys.stderr)

    def save_progress(partial):  # after every notebook: an interrupted batch keeps what it graded
        if args.json:
            write_json([r for r in partial if r is not None], args.json)

    results = grade_batch(submissions, args.workdir, load_exercises(args.source), args.db, settings,
                          on_result=save_progress)
    if args.feedback:
        for result in results:
            write_feedback(result, args.feedback)
    if args.csv:
        write_csv(results, args.csv)
    print(summary_table(results))
    return 0


def cmd_check(args) -> int:
    from autograder.check import run_check

    settings = settings_from_args(args)
    if problem := _sandbox_problem(settings):
        return _fail("check", problem)
    return 0 if run_check(settings=settings) else 1


def cmd_summary(args) -> int:
    from autograder.results import markdown_summary, read_json

    try:
        results = read_json(args.json_file)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return _fail("summary", f"採点結果のファイルを読めません (cannot read the results file) {args.json_file}: {exc}")
    print(markdown_summary(results))
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
        return _fail("enqueue", str(exc))
    print(f"queued {count} notebooks")
    return 0


def cmd_work(args) -> int:
    from autograder.queue import work

    settings = settings_from_args(args)
    if problem := _sandbox_problem(settings):
        return _fail("work", problem)
    done = work(args.db, args.workdir, load_exercises(args.source), settings, lease=args.lease,
                on_result=lambda r: print(f"{r.student}\t{r.exercise}\t{r.status}\t{r.score:g}", flush=True))
    print(f"graded {done} notebooks")
    return 0


def cmd_publish(args) -> int:
    from autograder.publish import PublishError, publish

    try:
        files = publish(args.dir, args.repository, args.with_solutions)
    except PublishError as exc:
        return _fail("publish", str(exc), 1)
    print(f"wrote {len(files)} files to {args.dir}")
    return 0


def program_name() -> str:
    name = os.path.basename(sys.argv[0] or "")
    return name if name and name not in ("__main__.py", "-c") else "python -m autograder"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=program_name(), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    def source_option(p):
        p.add_argument("--source", type=Path, default=SOURCE_DIR,
                       help="演習の元 <id>/<id>.ipynb のフォルダー / folder of exercise sources "
                            "(default: autograder/source)")

    def gradebook_options(p):
        p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                       help="nbgrader のコースフォルダーと採点の途中経過 / nbgrader course folder and grading "
                            "state (default: .grading)")
        p.add_argument("--db", metavar="URL", help="gradebook のデータベース / gradebook database URL (default: "
                                                   "SQLite in --workdir; e.g. postgresql://user@host/dbname)")

    p = sub.add_parser("list", help="演習の一覧と満点 / exercise ids and their maximum points")
    source_option(p)
    p.set_defaults(func=cmd_list)
    sub.add_parser("release", help="exercises/ と solutions/ を作り直す / regenerate exercises/ and solutions/"
                   ).set_defaults(func=cmd_release)

    grade = sub.add_parser("grade", help="ノートブックを採点する (ファイル、または *.ipynb を探すフォルダー) / "
                                         "grade notebooks (files, or folders searched for *.ipynb)")
    grade.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                       help="SUBMISSIONS/<受講者>/<id>.ipynb、またはそのフォルダー / notebooks or folders")
    grade.add_argument("--json", type=Path, metavar="FILE", help="採点結果を JSON で書く / write the results as JSON")
    grade.add_argument("--csv", type=Path, metavar="FILE",
                       help="採点結果をノートブックごとに 1 行の CSV で書く / write one CSV row per notebook")
    grade.add_argument("--feedback", type=Path, metavar="DIR",
                       help="受講者向けの HTML を DIR/<受講者>/<id>.html に書く / one HTML feedback page per notebook")
    gradebook_options(grade)
    add_settings_arguments(grade)
    source_option(grade)
    grade.set_defaults(func=cmd_grade)

    check = sub.add_parser("check", help="解答は満点、未解答は 0 点、誤答は減点、ファイルは最新か / solutions full "
                                         "marks, stubs 0, wrong solutions caught, files in sync")
    add_settings_arguments(check, parallel=False)
    check.set_defaults(func=cmd_check)

    summary = sub.add_parser("summary", help="--json の採点結果を Markdown で表示する / print a --json file as Markdown")
    summary.add_argument("json_file", type=Path, metavar="RESULTS_JSON")
    summary.set_defaults(func=cmd_summary)

    enqueue = sub.add_parser("enqueue", help="複数台で採点するためのキューに入れる / put notebooks into the shared "
                                             "PostgreSQL queue for `work`")
    enqueue.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    enqueue.add_argument("--db", required=True, metavar="URL", help="postgresql://... (gradebook のデータベース)")
    enqueue.set_defaults(func=cmd_enqueue)

    work = sub.add_parser("work", help="キューが空になるまで採点する (マシンごとに 1 つ) / grade from the shared "
                                       "queue until it is empty (one per machine)")
    work.add_argument("--db", required=True, metavar="URL", help="postgresql://... (gradebook のデータベース)")
    work.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                      help="この採点プロセスの作業フォルダー / this grader's own working folder")
    work.add_argument("--lease", type=float, default=120.0,
                      help="更新されない限り取得が続く秒数。止まった採点プロセスの分はその後で取り直されます / seconds a "
                           "claim lasts unless renewed; a killed grader's claims are retaken after it")
    add_settings_arguments(work, parallel=False)
    source_option(work)
    work.set_defaults(func=cmd_work)

    publish = sub.add_parser("publish", help="受講者向けのツリーを DIR に書く (隠しテスト・誤答なし) / write the "
                                             "student tree (no hidden tests, no wrong solutions) into DIR")
    publish.add_argument("dir", type=Path, metavar="DIR")
    publish.add_argument("--repository", metavar="URL",
                         help="公開するリポジトリの URL (launch ボタンと Colab のセルが指す先) / URL of the published "
                              "repository")
    publish.add_argument("--with-solutions", action="store_true", help="solutions/ も公開する / also publish solutions/")
    publish.set_defaults(func=cmd_publish)

    export = sub.add_parser("export", help="gradebook を学生×演習の CSV に書き出す / write the gradebook as a "
                                           "student x exercise CSV table")
    export.add_argument("--csv", type=Path, required=True, metavar="FILE")
    gradebook_options(export)
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    import warnings

    # nbgrader 0.9 triggers SQLAlchemy autoflush warnings on every autograde; they are noise.
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    args = build_parser().parse_args(argv)
    return args.func(args)

"""Grade a batch of submissions: in parallel, resumably, with exactly one result per submission.

Every finished submission leaves a small state file ``<workdir>/results/<student>/<exercise>.json``
holding its result and a SHA-256 fingerprint of what was graded (the submitted file, the exercise's
source with its hidden tests, and the grading settings); it is written (atomically) only
after nbgrader has committed the grades to the gradebook. Run the same command again after a crash
or ``kill -9`` and only submissions without a matching state file are graded; the others are read
back. nbgrader keeps one submission per (student, exercise), so a regraded one replaces itself.
"""
from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable

from autograder.exercises import Exercise
from autograder.grading import Grader, sha256
from autograder.results import NOTE_RESUMED, NOTE_RETRIED, Result
from autograder.settings import GraderSettings
from autograder.submissions import Submission


def _state_path(workdir: Path, submission: Submission) -> Path:
    safe = lambda s: s.replace(os.sep, "_").replace("\0", "_") or "_"
    return Path(workdir) / "results" / safe(submission.student) / f"{safe(submission.exercise)}.json"


def _fingerprint(submission: Submission, exercises: dict[str, Exercise] | None = None,
                 settings: GraderSettings | None = None) -> str:
    """Changes when the submission, its exercise's source (e.g. a hidden test) or the settings that
    decide grades change (not ``--jobs`` or where control folders live)."""
    try:
        parts = [submission.path.read_bytes()]
        exercise = (exercises or {}).get(submission.exercise)
        parts.append(exercise.source_path.read_bytes() if exercise else b"")
    except OSError:
        return ""
    parts.append((settings or GraderSettings()).fingerprint().encode())
    return sha256(b"\0".join(sha256(p).encode() for p in parts))


def load_state(workdir: Path, submission: Submission, exercises: dict[str, Exercise] | None = None,
               settings: GraderSettings | None = None) -> Result | None:
    """The stored result of an earlier run, if it graded this very file with these settings."""
    path = _state_path(workdir, submission)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("sha256") != _fingerprint(submission, exercises, settings) or state["result"]["file"] != str(submission.path):
        return None
    return Result.from_dict(state["result"])


def save_state(workdir: Path, submission: Submission, result: Result, fingerprint: str) -> None:
    path = _state_path(workdir, submission)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sha256": fingerprint, "result": asdict(result)}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


# --- worker processes -------------------------------------------------------------------------
# A worker process grades with the Grader its initializer built; these names are that worker's own
# (set once in the forked child, never in the grading process itself).

_grader: Grader | None = None
_exercises: dict[str, Exercise] | None = None


def _die_with_parent() -> None:
    """A worker must not outlive a killed grader (it would keep writing the gradebook)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _init_worker(workdir, exercises, db_url, settings) -> None:
    global _grader, _exercises
    _die_with_parent()
    _grader = Grader(workdir, exercises, db_url, settings, prepare=False)
    _exercises = exercises


def _grade_and_save(submission: Submission) -> Result:
    fingerprint = _fingerprint(submission, _exercises, _grader.settings)
    try:
        result = _grader.grade(submission)
    except Exception as exc:  # one broken submission must not stop the batch
        result = Result.error(submission.student, submission.exercise, str(submission.path),
                              f"採点中に予期しないエラーが起きました (internal grader error): {type(exc).__name__}: {exc}")
    save_state(_grader.course.root, submission, result, fingerprint)
    return result


# --- the batch ----------------------------------------------------------------------------------

def duplicates(submissions: list[Submission]) -> dict[int, str]:
    """Index -> reason, for submissions naming a (student, exercise) already taken earlier in the batch."""
    first: dict[tuple[str, str], Path] = {}
    found = {}
    for i, sub in enumerate(submissions):
        key = (sub.student, sub.exercise)
        if key in first:
            found[i] = (f"同じ学生・同じ演習の提出が複数あります。最初の {first[key]} だけを採点しました "
                        f"(duplicate submission for {sub.student}/{sub.exercise})")
        else:
            first[key] = sub.path
    return found


def _run_pool(submissions, indices, results, workdir, exercises, db_url, settings, jobs, on_result,
              note: str | None = None) -> list[int]:
    """Grade ``indices`` in a pool of ``jobs`` workers; the indices lost to a crashed worker."""
    context = multiprocessing.get_context("fork")
    failed = []
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context, initializer=_init_worker,
                             initargs=(workdir, exercises, db_url, settings)) as pool:
        futures = {i: pool.submit(_grade_and_save, submissions[i]) for i in indices}
        for i, future in futures.items():
            try:
                results[i] = future.result() if note is None else future.result().with_note(note)
            except BrokenProcessPool:
                failed.append(i)
            on_result(results)
    return failed


def grade_batch(submissions: list[Submission], workdir: Path, exercises: dict[str, Exercise],
                db_url: str | None = None, settings: GraderSettings = GraderSettings(),
                on_result: Callable[[list[Result | None]], None] = lambda results: None) -> list[Result]:
    """Grade ``submissions`` with ``settings.jobs`` worker processes; one result each, in order."""
    workdir = Path(workdir).resolve()
    Grader(workdir, exercises, db_url, settings)  # puts every exercise into the gradebook once
    results: list[Result | None] = [None] * len(submissions)
    todo = []
    for i, reason in duplicates(submissions).items():
        sub = submissions[i]
        results[i] = Result.error(sub.student, sub.exercise, str(sub.path), reason,
                                  exercises[sub.exercise].max_score if sub.exercise in exercises else 0.0)
    for i, sub in enumerate(submissions):
        if results[i] is None:
            stored = load_state(workdir, sub, exercises, settings)
            if stored is None:
                todo.append(i)
            else:
                results[i] = stored.with_note(NOTE_RESUMED)
    on_result(results)
    isolated = False
    while todo:
        # First all together; after a worker crash, each remaining submission alone in its own
        # worker, so that one submission that kills its grader process fails only itself.
        failed = []
        for group in ([todo] if not isolated else [[i] for i in todo]):
            failed += _run_pool(submissions, group, results, workdir, exercises, db_url, settings,
                                1 if isolated else settings.jobs, on_result, NOTE_RETRIED if isolated else None)
        if isolated:
            for i in failed:
                sub = submissions[i]
                results[i] = Result.error(sub.student, sub.exercise, str(sub.path),
                                          "採点プロセスが異常終了しました (grader worker crashed)",
                                          notes=[NOTE_RETRIED])
            break
        todo, isolated = failed, True
    on_result(results)
    return [r for r in results if r is not None]

"""Grade submissions with nbgrader's autograde and read the scores back from its gradebook."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.assemble import assemble
from autograder.exercises import Exercise, is_test_cell, nbgrader_meta
from autograder.nbgrader_course import COURSE_ID, NbgraderCourse
from autograder.remote import preload
from autograder.results import Result, TestResult
from autograder.settings import GraderSettings
from autograder.submissions import Submission, UnreadableSubmission, read_notebook_bytes

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def explain_autograde_failure(log: str) -> str:
    text = ANSI.sub("", log or "")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return ("ノートブックの実行中にカーネルが停止しました (kernel died): メモリを使いすぎたか、"
                "プロセスを終了するコード (exit() や os._exit()) が含まれていないか確認してください。")
    if "Timeout" in text or "timed out" in text:
        return "ノートブックの実行が時間内に終わりませんでした (timeout)。"
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or ["unknown error"]
    return f"採点中にエラーが起きました (autograde failed): {last[0][:300]}"


def incidents(graded) -> list[str]:
    """What happened while running the notebook that the student should know about."""
    errors = {o.get("ename") for c in graded.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"}
    notes = []
    if "DeadKernelError" in errors:
        notes.append("実行中にカーネルが停止したため、それ以降のテストは 0 点です。exit() や os._exit()、"
                     "メモリの使いすぎがないか確認してください (the kernel died; later tests were not run)")
    if "NotebookTimeoutError" in errors:
        notes.append("ノートブック全体の制限時間を超えたため、残りのテストは実行されませんでした (notebook time limit)")
    if "CellTimeoutError" in errors:
        notes.append("時間内に終わらなかったセルがあります (a cell hit the time limit)")
    return notes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Grader:
    """Grades submissions of known exercises in one nbgrader course directory (``workdir``)."""

    def __init__(self, workdir: Path, exercises: dict[str, Exercise], db_url: str | None = None,
                 settings: GraderSettings = GraderSettings(), prepare: bool = True):
        self.exercises = exercises
        self.settings = settings
        preload()  # numpy and torch, once per process (forked workers inherit them)
        self.course = NbgraderCourse(Path(workdir), db_url, settings)
        if prepare:
            for exercise in exercises.values():
                self.course.add_exercise(exercise)

    def grade(self, submission: Submission) -> Result:
        exercise = self.exercises.get(submission.exercise)
        file, student = str(submission.path), submission.student
        if exercise is None:
            known = ", ".join(sorted(self.exercises))
            return Result.error(student, submission.exercise, file,
                                f"'{submission.path.name}' はどの演習のファイル名でもありません。ファイル名を変えずに提出してください"
                                f" (unknown exercise; known: {known})")
        try:
            data = read_notebook_bytes(submission.path)
        except UnreadableSubmission as exc:
            return self._record_error(exercise, student, file, str(exc))
        released = nbformat.read(self.course.released_notebook(exercise.id), as_version=4)
        assembly = assemble(released, nbformat.reads(data.decode("utf-8"), as_version=4))
        self.course.submit(exercise.id, student, nbformat.writes(assembly.notebook).encode("utf-8"))
        outcome = self.course.autograde(exercise.id, student)
        if not outcome["success"]:
            reason = explain_autograde_failure((outcome.get("error") or "") + (outcome.get("log") or ""))
            return self._record_error(exercise, student, file, reason, notes=assembly.repairs)
        graded = nbformat.read(self.course.autograded_notebook(exercise.id, student), as_version=4)
        result = self._read_scores(exercise, student, file, graded)
        result.notes = [*result.notes, *assembly.repairs, *incidents(graded)]
        return result

    def close(self) -> None:
        """Stop the kernel factory this grader started, if any."""
        self.course.close()

    def _record_error(self, exercise: Exercise, student: str, file: str, reason: str,
                      notes: list[str] | None = None) -> Result:
        """An ungradable submission still gets its one entry in the gradebook: zero on every test."""
        with Gradebook(self.course.db_url, COURSE_ID) as gb:
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(exercise.id, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score, grade.needs_manual_grade = 0.0, False
            gb.db.commit()
        return Result.error(student, exercise.id, file, reason, exercise.max_score, notes)

    def _read_scores(self, exercise: Exercise, student: str, file: str, graded) -> Result:
        """Points from nbgrader's gradebook; messages from the grader's own verdicts, recorded in the
        autograded notebook's metadata (never the kernel's outputs: see autograder/verdicts.py)."""
        verdicts = {nbgrader_meta(c)["grade_id"]: c.metadata.get("autograder", {}) for c in graded.cells if is_test_cell(c)}
        tests = []
        with Gradebook(self.course.db_url, COURSE_ID) as gb:
            try:
                notebook = gb.find_submission_notebook(exercise.id, exercise.id, student)
            except MissingEntry:
                return Result.error(student, exercise.id, file, "採点結果が gradebook にありません (no grades recorded)",
                                    exercise.max_score)
            grades = {g.name: g for g in notebook.grades}
            for test in exercise.tests:
                grade = grades[test.grade_id]
                points = float(grade.score or 0.0)
                passed = points >= float(grade.max_score)
                message = test.description
                if not passed:
                    why = verdicts.get(test.grade_id, {}).get("message") or "テストが実行されませんでした (not run)。"
                    message = f"{test.description}\n→ {why}".strip()
                tests.append(TestResult(test.grade_id, points, float(grade.max_score), passed, message))
            score, max_score = float(notebook.score), float(notebook.max_score)
        return Result(student, exercise.id, file, "graded", score, max_score, "", tests)

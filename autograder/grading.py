"""Grade submissions with nbgrader's autograde and read the scores back from its gradebook."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.exercises import Exercise, is_test_cell, nbgrader_meta
from autograder.nbgrader_course import NbgraderCourse
from autograder.results import Result, TestResult
from autograder.submissions import Submission, UnreadableSubmission, read_notebook_bytes

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Exceptions whose bare name tells a student little: say what they usually mean.
HINTS = {
    "NotImplementedError": "関数がまだ実装されていません (NotImplementedError)。`raise NotImplementedError()` を消して解答を書いてください。",
    "NameError": "名前が定義されていません (NameError)。解答セルを実行したか、関数名を変えていないか確認してください。",
    "CellTimeoutError": "時間内に終わりませんでした (timeout)。無限ループや重すぎる計算がないか確認してください。",
}


def failure_message(outputs) -> str:
    """What went wrong in a test cell, from its outputs: the exception and its message, no traceback
    (the traceback would show the hidden tests' code)."""
    for output in outputs:
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), ANSI.sub("", output.get("evalue", "")).strip()
            if ename in HINTS and not evalue:
                return HINTS[ename]
            if ename in HINTS:
                return f"{HINTS[ename]} ({ename}: {evalue})"
            return f"{ename}: {evalue}" if evalue else f"{ename} (メッセージなし)"
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = ANSI.sub("", output.get("text", "")).strip()
            return f"テストの実行中に標準エラー出力 (stderr) への出力がありました: {text[:300]}"
    return "テストが通りませんでした。"


def explain_autograde_failure(log: str) -> str:
    text = ANSI.sub("", log or "")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return ("ノートブックの実行中にカーネルが停止しました (kernel died): メモリを使いすぎたか、"
                "プロセスを終了するコード (exit() や os._exit()) が含まれていないか確認してください。")
    if "Timeout" in text or "timed out" in text:
        return "ノートブックの実行が時間内に終わりませんでした (timeout)。"
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or ["unknown error"]
    return f"採点中にエラーが起きました (autograde failed): {last[0][:300]}"


class Grader:
    """Grades submissions of known exercises in one nbgrader course directory (``workdir``)."""

    def __init__(self, workdir: Path, exercises: dict[str, Exercise], db_url: str | None = None):
        self.exercises = exercises
        self.course = NbgraderCourse(Path(workdir), db_url)
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
            return Result.error(student, exercise.id, file, str(exc), exercise.max_score)
        self.course.submit(exercise.id, student, data)
        outcome = self.course.autograde(exercise.id, student)
        if not outcome["success"]:
            reason = explain_autograde_failure((outcome.get("error") or "") + (outcome.get("log") or ""))
            return Result.error(student, exercise.id, file, reason, exercise.max_score)
        return self._read_scores(exercise, student, file)

    def _read_scores(self, exercise: Exercise, student: str, file: str) -> Result:
        graded = nbformat.read(self.course.autograded_notebook(exercise.id, student), as_version=4)
        outputs = {nbgrader_meta(c)["grade_id"]: c.outputs for c in graded.cells if is_test_cell(c)}
        tests = []
        with Gradebook(self.course.db_url, "llm-shikumi") as gb:
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
                message = test.description if passed else (
                    f"{test.description}\n→ {failure_message(outputs.get(test.grade_id, []))}".strip())
                tests.append(TestResult(test.grade_id, points, float(grade.max_score), passed, message))
            score, max_score = float(notebook.score), float(notebook.max_score)
        return Result(student, exercise.id, file, "graded", score, max_score, "", tests)

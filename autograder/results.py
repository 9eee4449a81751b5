"""Grading results: one per submitted notebook, and per test inside it."""
from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str  # what was checked and, when failed, what went wrong


@dataclass
class Result:
    student: str
    exercise: str
    file: str
    status: str  # "graded" | "error"
    score: float
    max_score: float
    reason: str = ""  # why the notebook could not be graded (status "error" only)
    tests: list[TestResult] = field(default_factory=list)
    # What happened while grading this notebook, apart from the tests' own feedback: what the grader
    # repaired (edited test cells, answers found without metadata), time limits, a kernel that died,
    # a retry after a crashed grader worker, a result reused from an earlier run.
    notes: list[str] = field(default_factory=list)

    @classmethod
    def error(cls, student: str, exercise: str, file: str, reason: str, max_score: float = 0.0,
              notes: list[str] | None = None) -> "Result":
        return cls(student, exercise, file, "error", 0.0, max_score, reason, [], list(notes or []))

    @classmethod
    def from_dict(cls, raw: dict) -> "Result":
        """A result read back from JSON (older files without ``notes`` included)."""
        return cls(**{**raw, "tests": [TestResult(**t) for t in raw.get("tests", [])],
                      "notes": list(raw.get("notes", []))})

    def with_note(self, note: str) -> "Result":
        return Result(**{**self.__dict__, "tests": list(self.tests), "notes": [*self.notes, note]})


# Notes about the grading run (not about the student's code).
NOTE_RETRIED = ("採点プロセスが異常終了したため、このノートブックは単独で採点し直しました "
                "(retried alone after a grader worker crashed)")
NOTE_RESUMED = "前回の採点の結果をそのまま使いました (result reused from an earlier run: unchanged file and settings)"


def write_json(results: list[Result], path: Path) -> None:
    data = {"results": [asdict(r) for r in results]}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> list[Result]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Result.from_dict(r) for r in data["results"]]


CSV_HEADER = ("student", "exercise", "status", "score", "max_score", "failed_tests", "reason", "notes")


def csv_rows(results: list[Result]) -> list[list[str]]:
    """One row per notebook: failed tests by grade_id, the error reason, the notes joined by " / "."""
    return [[r.student, r.exercise, r.status, fmt_points(r.score), fmt_points(r.max_score),
             " ".join(t.grade_id for t in r.tests if not t.passed), r.reason, " / ".join(r.notes)] for r in results]


def write_csv(results: list[Result], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_rows(results))


def fmt_points(x: float) -> str:
    """3.0 -> '3', 2.5 -> '2.5'."""
    return f"{x:g}"


def summary_table(results: list[Result]) -> str:
    """A plain-text table for the terminal."""
    header = ("student", "exercise", "status", "score", "reason / failed tests / notes")
    rows = []
    for r in results:
        failed = [t.grade_id for t in r.tests if not t.passed]
        parts = [r.reason] if r.reason else []
        if failed:
            parts.append("failed: " + ", ".join(failed))
        if r.notes:
            parts.append(f"notes: {len(r.notes)}")
        rows.append((r.student, r.exercise, r.status, f"{fmt_points(r.score)}/{fmt_points(r.max_score)}",
                     "; ".join(parts)[:70]))
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    graded = sum(r.status == "graded" for r in results)
    lines.append(f"{len(results)} notebooks: {graded} graded, {len(results) - graded} errors")
    return "\n".join(lines)


def markdown_summary(results: list[Result]) -> str:
    """Scores, then per notebook the error reason, the notes and the failed tests, as Markdown
    (e.g. a CI run's summary page)."""
    lines = ["| student | exercise | score | status |", "| --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r.student} | {r.exercise} | {fmt_points(r.score)} / {fmt_points(r.max_score)} | {r.status} |")
    for r in results:
        failed = [t for t in r.tests if not t.passed]
        if r.reason or r.notes or failed:
            lines += ["", f"### {r.student} / {r.exercise}"]
            if r.reason:
                lines.append(f"- 採点できませんでした (not graded): {r.reason}")
            for note in r.notes:
                lines.append(f"- 注意 (note): {note}")
            for t in failed:
                message = t.message.replace("\n", " ")
                lines.append(f"- **{t.grade_id}** ({fmt_points(t.points)}/{fmt_points(t.max_points)}): {message}")
    return "\n".join(lines)

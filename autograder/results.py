"""Grading results: one per submitted notebook, and per test inside it."""
from __future__ import annotations

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
    reason: str = ""  # why the notebook could not be graded (status "error")
    tests: list[TestResult] = field(default_factory=list)

    @classmethod
    def error(cls, student: str, exercise: str, file: str, reason: str, max_score: float = 0.0) -> "Result":
        return cls(student, exercise, file, "error", 0.0, max_score, reason, [])


def write_json(results: list[Result], path: Path) -> None:
    data = {"results": [asdict(r) for r in results]}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def fmt_points(x: float) -> str:
    """3.0 -> '3', 2.5 -> '2.5'."""
    return f"{x:g}"


def summary_table(results: list[Result]) -> str:
    """A plain-text table for the terminal."""
    header = ("student", "exercise", "status", "score", "reason / failed tests")
    rows = []
    for r in results:
        failed = [t.grade_id for t in r.tests if not t.passed]
        note = r.reason or (("failed: " + ", ".join(failed)) if failed else "")
        rows.append((r.student, r.exercise, r.status, f"{fmt_points(r.score)}/{fmt_points(r.max_score)}", note[:70]))
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    graded = sum(r.status == "graded" for r in results)
    lines.append(f"{len(results)} notebooks: {graded} graded, {len(results) - graded} errors")
    return "\n".join(lines)


def read_json(path: Path) -> list[Result]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Result(**{**r, "tests": [TestResult(**t) for t in r["tests"]]}) for r in data["results"]]


def markdown_summary(results: list[Result]) -> str:
    """Scores and failed tests as Markdown (e.g. a CI run's summary page)."""
    lines = ["| student | exercise | score | status |", "| --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r.student} | {r.exercise} | {fmt_points(r.score)} / {fmt_points(r.max_score)} | {r.status} |")
    for r in results:
        failed = [t for t in r.tests if not t.passed]
        if r.reason or failed:
            lines += ["", f"### {r.student} / {r.exercise}"]
            if r.reason:
                lines.append(f"- {r.reason}")
            for t in failed:
                message = t.message.replace("\n", " ")
                lines.append(f"- **{t.grade_id}** ({fmt_points(t.points)}/{fmt_points(t.max_points)}): {message}")
    return "\n".join(lines)

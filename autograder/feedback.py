"""One HTML feedback page per graded notebook, for the student.

Written from the grading result rather than by exporting the autograded notebook, because that
notebook contains the hidden tests' code (nbgrader restores it before executing).
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from autograder.results import NOTE_RESUMED, Result, fmt_points

STYLE = """
body { font-family: "IPAexGothic", "Noto Sans CJK JP", sans-serif; max-width: 50rem; margin: 2rem auto; line-height: 1.6; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .4rem .6rem; vertical-align: top; text-align: left; }
.passed { color: #1a7f37; } .failed { color: #cf222e; }
pre { white-space: pre-wrap; margin: 0; font-family: inherit; }
"""


def render(result: Result) -> str:
    title = f"採点結果: {escape(result.exercise)} ({escape(result.student)})"
    parts = [f"<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>{title}</title>",
             f"<style>{STYLE}</style></head><body><h1>{title}</h1>",
             f"<p>得点 (score): <strong>{fmt_points(result.score)} / {fmt_points(result.max_score)}</strong></p>"]
    if result.status != "graded":
        parts.append(f"<p class='failed'>このノートブックは採点できませんでした: {escape(result.reason)}</p>")
    # what the grader repaired or what happened while running the notebook (not that a stored
    # result was reused: that is about the instructor's run, not the student's notebook)
    notes = [note for note in result.notes if note != NOTE_RESUMED]
    if notes:
        items = "".join(f"<li>{escape(note)}</li>" for note in notes)
        parts.append(f"<div class='notes'><p>採点時の注意 (notes):</p><ul>{items}</ul></div>")
    if result.tests:
        parts.append("<table><tr><th>テスト (grade_id)</th><th>得点</th><th>結果</th><th>確認した内容と原因</th></tr>")
        for t in result.tests:
            status = "<span class='passed'>合格</span>" if t.passed else "<span class='failed'>不合格</span>"
            parts.append(f"<tr><td>{escape(t.grade_id)}</td><td>{fmt_points(t.points)} / {fmt_points(t.max_points)}</td>"
                         f"<td>{status}</td><td><pre>{escape(t.message)}</pre></td></tr>")
        parts.append("</table>")
        if any(not t.passed for t in result.tests):
            parts.append("<p>不合格のテストは、メッセージを手がかりに解答を直し、ノートブックの見えるテストで確かめてから再提出してください。"
                         "採点には見えるテストに加えて隠しテスト (hidden tests) も使われます。</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_feedback(result: Result, folder: Path) -> Path:
    path = Path(folder) / result.student / f"{result.exercise}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result), encoding="utf-8")
    return path

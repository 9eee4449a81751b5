"""Export the gradebook as a student x exercise table (CSV) for a learning-management system."""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder.nbgrader_course import COURSE_ID


def gradebook_table(db_url: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per student, one column per exercise, then the total."""
    with Gradebook(db_url, COURSE_ID) as gb:
        exercises = sorted(a.name for a in gb.assignments)
        header = ["student", *exercises, "total", "max_total"]
        rows = []
        max_total = sum(gb.find_assignment(e).max_score for e in exercises)
        for student in sorted(s.id for s in gb.students):
            row, total = [student], 0.0
            for exercise in exercises:
                try:
                    score = gb.find_submission(exercise, student).score
                except MissingEntry:
                    row.append("")  # not submitted
                    continue
                row.append(f"{score:g}")
                total += score
            rows.append([*row, f"{total:g}", f"{max_total:g}"])
    return header, rows


def write_csv(db_url: str, path: Path) -> int:
    header, rows = gradebook_table(db_url)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)

"""Rebuild the notebook to grade from the released exercise and the student's answers.

Whatever the submitted notebook says about its test cells (edited, deleted, duplicated,
reordered, metadata lost in Colab), the notebook that nbgrader executes takes every cell, its
metadata, points and ids from the released version; only the student's *answers* come from the
submission. The release's other code cells (set-up, examples) are marked ``shared``: they also run in
the grader, beside the test cells (see :mod:`autograder.execution`); cells the student added never do. Answer cells are found by their nbgrader ``grade_id`` or, when an editor dropped the
metadata, by the function the answer defines. Code cells the student added are kept, after the
answer they followed, so helper functions still work. Every repair is reported.
"""
from __future__ import annotations

import ast
import copy
import difflib
from dataclasses import dataclass, field

import nbformat

from autograder.exercises import is_answer_cell, is_test_cell, nbgrader_meta


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes a cell defines (empty when it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {n for n in _names_by_prefix(source)}
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _names_by_prefix(source: str):
    # A cell with a syntax error still shows which function it meant to define.
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("def ") and "(" in stripped:
            yield stripped[4:stripped.index("(")].strip()


MAX_COMPARED = 20_000  # characters: a cell much longer than any test cell is not a copy of one


def _similar(a: str, b: str) -> float:
    """Similarity of a submitted cell to a test cell, bounded in time whatever the cell's size
    (difflib is quadratic): cheap upper bounds first, the full ratio only for cells of test size."""
    if len(a) > MAX_COMPARED or len(b) > MAX_COMPARED:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() <= 0.8 or matcher.quick_ratio() <= 0.8:
        return 0.0
    return matcher.ratio()


@dataclass
class Assembly:
    notebook: nbformat.NotebookNode
    repairs: list[str] = field(default_factory=list)


def assemble(released: nbformat.NotebookNode, submitted: nbformat.NotebookNode) -> Assembly:
    released = copy.deepcopy(released)
    repairs: list[str] = []
    answers = {nbgrader_meta(c)["grade_id"]: c for c in released.cells if is_answer_cell(c)}
    tests = [c for c in released.cells if is_test_cell(c)]
    locked_sources = {c.source.strip() for c in released.cells if c.cell_type == "code" and not is_answer_cell(c)}
    wanted_names = {gid: defined_names(c.source) for gid, c in answers.items()}

    matched: dict[str, str] = {}  # answer grade_id -> student's code
    extras_after: dict[str | None, list[str]] = {}  # answer grade_id (None: before any) -> added cells
    last_answer: str | None = None
    for cell in submitted.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid in answers and meta.get("solution") and gid not in matched:
            matched[gid] = source
            last_answer = gid
            continue
        if source.strip() in locked_sources:
            continue  # an unchanged test, set-up or example cell: the released copy is used
        if gid is not None and any(nbgrader_meta(t).get("grade_id") == gid for t in tests):
            repairs.append(f"テストセル {gid} が編集されていたため、配布版に戻して採点しました (test cell {gid} was edited: restored)")
            continue
        if any(_similar(source, t.source) > 0.8 for t in tests):
            repairs.append("テストセルの写しや編集版は無視しました (a copied or edited test cell was ignored)")
            continue
        names = defined_names(source)
        candidates = [g for g, want in wanted_names.items() if g not in matched and want and want <= names]
        if candidates:
            gid = candidates[0]
            matched[gid] = source
            last_answer = gid
            repairs.append(f"解答セル {gid} をメタデータなしで見つけました (answer cell {gid} matched by the function it defines)")
            continue
        extras_after.setdefault(last_answer, []).append(source)

    cells = []
    added = extras_after.get(None, [])
    for cell in released.cells:
        if is_answer_cell(cell):
            gid = nbgrader_meta(cell)["grade_id"]
            if gid in matched:
                cell.source = matched[gid]
            else:
                repairs.append(f"解答セル {gid} が見つからないため、未解答として採点しました (answer cell {gid} not found)")
            cells.append(cell)
            cells.extend(nbformat.v4.new_code_cell(s) for s in extras_after.get(gid, []))
        else:
            cell.metadata.pop("autograder", None)
            if cell.cell_type == "code" and not is_test_cell(cell):
                # A set-up or example cell of the release: it runs in the kernel and in the grader
                # (where the test cells run), so the tests see the instructor's definitions.
                cell.metadata["autograder"] = {"shared": True}
            cells.append(cell)
        if cell.metadata.get("tags") and "colab-setup" in cell.metadata["tags"] and added:
            cells.extend(nbformat.v4.new_code_cell(s) for s in added)
            added = []
    if added:  # no set-up cell to follow: put them first
        cells[0:0] = [nbformat.v4.new_code_cell(s) for s in added]
    released.cells = cells
    if extras_after:
        count = sum(len(v) for v in extras_after.values())
        repairs.append(f"追加されたコードセル {count} 個はそのまま実行しました (kept {count} added code cells)")
    return Assembly(released, repairs)

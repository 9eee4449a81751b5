"""nbgrader preprocessors that make the grader, not the student's kernel, decide what passed.

- ``MarkTestCompletion`` appends to every test cell a line that prints a random per-run token.
  The token is only printed if execution reaches the end of the test cell, i.e. no assert failed.
- ``BoundedExecute`` is nbgrader's Execute with a wall-time budget per notebook (nbgrader only has
  one per cell) and a cap on the output a cell may send back.
- ``SaveVerifiedGrades`` is nbgrader's SaveAutoGrades with our rule: a test cell passes when its
  completion token was printed and it raised nothing. Output on stderr (a library's warning) does
  not fail a correct answer, and a value left on the last line is not read as partial credit.
"""
from __future__ import annotations

import secrets
import time

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, SaveAutoGrades
from traitlets import Integer, Unicode

from autograder.exercises import is_test_cell

TOKEN_PREFIX = "autograder-test-completed-"


class MarkTestCompletion(NbGraderPreprocessor):
    """Append ``print(<token>)`` to test cells; the token is new for every notebook graded."""

    token = Unicode("").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.token:
            self.token = TOKEN_PREFIX + secrets.token_hex(16)
        resources.setdefault("autograder", {})["token"] = self.token
        for cell in nb.cells:
            if is_test_cell(cell):
                cell.source = f'{cell.source}\n__import__("sys").stdout.write("\\n{self.token}\\n")'
        return nb, resources


def completed(cell: NotebookNode, token: str) -> bool:
    printed = any(o.get("output_type") == "stream" and o.get("name") == "stdout" and token in o.get("text", "")
                  for o in cell.outputs)
    raised = any(o.get("output_type") == "error" for o in cell.outputs)
    return printed and not raised


def strip_completion_marks(cell: NotebookNode, token: str) -> None:
    """Remove the token and its line from the cell's source and outputs (feedback shows neither)."""
    cell.source = "\n".join(line for line in cell.source.split("\n") if token not in line)
    for output in cell.outputs:
        if output.get("output_type") == "stream" and token in output.get("text", ""):
            output.text = output.text.replace(f"\n{token}\n", "").replace(token, "")
    cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and not o.get("text"))]


class SaveVerifiedGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, scoring a test cell all or nothing by its completion token."""

    def preprocess(self, nb, resources):
        self._token = resources.get("autograder", {}).get("token", "")
        return super().preprocess(nb, resources)

    def _add_score(self, cell, resources):
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        if is_test_cell(cell):
            passed = bool(self._token) and completed(cell, self._token)
            grade.auto_score = float(cell.metadata["nbgrader"]["points"]) if passed else 0.0
            strip_completion_marks(cell, self._token)
        else:  # manually graded answers (none in this course so far)
            grade.auto_score = None
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        self.gradebook.db.commit()


def _not_run(cell, ename: str, evalue: str):
    cell.outputs = [*cell.get("outputs", []), NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[])]
    return cell


class BoundedExecute(Execute):
    """Execute with a per-notebook time budget and a per-cell output cap."""

    notebook_timeout = Integer(600, help="seconds for the whole notebook; later cells are not run").tag(config=True)
    max_output_bytes = Integer(100_000, help="bytes of output kept per cell; the rest is dropped").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._cell_timeout = self.timeout
        self._kernel_died_in = None  # index of the cell during which the kernel died
        self._token = (resources or {}).get("autograder", {}).get("token", "")
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        remaining = self._deadline - time.monotonic()
        if self._kernel_died_in is not None:
            return _not_run(cell, "DeadKernelError", "それより前のセルでカーネルが停止したため実行しませんでした"), resources
        if remaining <= 0:
            return _not_run(cell, "NotebookTimeoutError",
                            f"ノートブック全体の制限時間 {self.notebook_timeout} 秒を超えたため実行しませんでした"), resources
        self.timeout = max(1, min(self._cell_timeout, int(remaining) + 1))
        self._output_bytes, self._truncated = 0, False
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            # exit(), os._exit(), a segfault or the memory limit: grade what ran before, not the rest
            self._kernel_died_in = index
            resources.setdefault("autograder", {})["kernel_died_in"] = index
            return _not_run(cell, "DeadKernelError", "このセルの実行中にカーネルが停止しました"), resources

    token = Unicode("", help="completion token of MarkTestCompletion; always let it through").tag(config=True)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        text = content.get("text", "") if isinstance(content, dict) else ""
        if self._token and self._token in text:  # the grader's own mark, never dropped by the cap
            msg = {**msg, "content": {**content, "text": f"\n{self._token}\n"}}
            return super().output(outs, msg, display_id, cell_index)
        size = len(str(content))
        self._output_bytes += size
        if self._output_bytes > self.max_output_bytes:
            if not self._truncated:
                self._truncated = True
                outs.append(NotebookNode(output_type="stream", name="stderr",
                                         text=f"\n[出力が {self.max_output_bytes} バイトを超えたため、以降は省略しました]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

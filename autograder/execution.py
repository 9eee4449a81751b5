"""nbgrader preprocessors that make the grader, not the student's kernel, decide what passed.

- ``SplitExecute`` is nbgrader's Execute with the notebook split by trust. The student's sandboxed
  kernel runs the answer cells, the cells the student added and the notebook's shared cells (set-up,
  examples). The **test cells never enter the kernel**: they run here, in the grader's process, in a
  :class:`~autograder.remote.GraderNamespace` where the shared cells also ran and where every other
  name resolves to the student's values through :mod:`autograder.remote` (plain data or proxies).
  It also keeps a wall-time budget per notebook and caps the output a kernel cell may send back.
- ``SaveVerifiedGrades`` is nbgrader's SaveAutoGrades scoring each test cell all or nothing from the
  verdict ``SplitExecute`` reached here, and recording that verdict (pass/fail and the message the
  student may see) in the cell's metadata of the autograded notebook.

Whatever the student's code does to its own interpreter (input or AST transformers, event hooks,
exception handlers, patched ``print``/``sys.stdout``/numpy/torch, frame or history inspection,
``sys.settrace``) happens in a process that holds no assertion, no expected value and no verdict.
"""
from __future__ import annotations

import time

from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, SaveAutoGrades
from traitlets import Integer

from autograder.exercises import is_test_cell, nbgrader_meta
from autograder.remote import GraderNamespace, KernelLink, preload
from autograder.verdicts import HINTS, Verdict, judge, run_here

SHARED = "shared"  # cell.metadata["autograder"][SHARED]: a cell of the released notebook, run on both sides


def is_shared_cell(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.get("metadata", {}).get("autograder", {}).get(SHARED))


def python_source(source: str) -> str:
    """IPython syntax (magics) of a shared cell turned into Python, as the kernel would."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


class _NoIPython:
    """``get_ipython()`` for shared cells run in the grader: magics do nothing here."""

    def run_line_magic(self, *args, **kwargs):
        return None

    run_cell_magic = system = run_line_magic


def _not_run(cell, ename: str, evalue: str):
    cell.outputs = [*cell.get("outputs", []), NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[])]
    return cell


class SplitExecute(Execute):
    """Execute with test cells run in the grader, a per-notebook time budget and a per-cell output cap."""

    notebook_timeout = Integer(600, help="seconds for the whole notebook; later cells are not run").tag(config=True)
    max_output_bytes = Integer(100_000, help="bytes of output kept per cell; the rest is dropped").tag(config=True)
    max_reply_bytes = Integer(16 * 1024 * 1024, help="largest answer the student's kernel may send").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._cell_timeout = self.timeout
        self._kernel_died_in = None  # index of the cell during which the kernel died
        self._link = None
        self._namespace = None
        resources = resources if resources is not None else {}
        self._verdicts = resources.setdefault("autograder", {}).setdefault("verdicts", {})
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self._link is not None:
                self._link.close()

    # -- the grader's side

    def _here(self) -> GraderNamespace:
        if self._namespace is None:
            preload()
            km = self.km
            self._link = KernelLink(km.get_connection_info(session=False),
                                    interrupt=run_sync(km.interrupt_kernel), alive=run_sync(km.is_alive),
                                    max_reply_bytes=self.max_reply_bytes)
            self._namespace = GraderNamespace(self._link)
            self._namespace["get_ipython"] = _NoIPython
        return self._namespace

    def _budget(self) -> float:
        return max(0.5, min(self._cell_timeout, self._deadline - time.monotonic()))

    def _run_here(self, source: str, filename: str):
        namespace = self._here()
        seconds = self._budget()
        self._link.deadline = time.monotonic() + seconds
        try:
            return run_here(source, namespace, filename, seconds + 2)
        finally:
            self._link.deadline = time.monotonic() + 5
            self._link.end()
            if self._link.broken and self._kernel_died_in is None:
                self._kernel_died_in = -1  # the kernel stopped answering: later cells are not run

    def _run_test(self, cell, index: int):
        grade_id = nbgrader_meta(cell)["grade_id"]
        filename = f"<test cell {grade_id}>"
        exc, stdout = self._run_here(cell.source, filename)
        verdict = judge(exc, cell.source, filename)
        verdict.stdout = stdout
        self._record(cell, grade_id, verdict)

    def _record(self, cell, grade_id: str, verdict: Verdict) -> None:
        self._verdicts[grade_id] = verdict.as_dict()
        outputs = []
        if verdict.stdout:
            outputs.append(NotebookNode(output_type="stream", name="stdout", text=verdict.stdout))
        if verdict.error:
            outputs.append(NotebookNode(output_type="error", ename=verdict.error["ename"],
                                        evalue=verdict.error["evalue"], traceback=verdict.error["traceback"]))
        cell.outputs = outputs
        cell.execution_count = None

    def _run_shared(self, cell, index: int) -> None:
        if "colab-setup" in (cell.metadata.get("tags") or []):
            return
        try:
            source = python_source(cell.source)
        except Exception:  # noqa: BLE001 - the kernel ran it; a failure here shows up in the tests
            return
        self._run_here(source, f"<shared cell {index}>")

    # -- every cell

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        test = is_test_cell(cell)
        remaining = self._deadline - time.monotonic()
        if self._kernel_died_in is not None:
            if test:
                self._record(cell, nbgrader_meta(cell)["grade_id"], Verdict(False, HINTS["DeadKernelError"]))
            return _not_run(cell, "DeadKernelError", "それより前のセルでカーネルが停止したため実行しませんでした"), resources
        if remaining <= 0:
            if test:
                self._record(cell, nbgrader_meta(cell)["grade_id"], Verdict(False, HINTS["NotebookTimeoutError"]))
            return _not_run(cell, "NotebookTimeoutError",
                            f"ノートブック全体の制限時間 {self.notebook_timeout} 秒を超えたため実行しませんでした"), resources
        if test:
            self._run_test(cell, index)
            return cell, resources
        self.timeout = max(1, min(self._cell_timeout, int(remaining) + 1))
        self._output_bytes, self._truncated = 0, False
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            # exit(), os._exit(), a segfault or the memory limit: grade what ran before, not the rest
            self._kernel_died_in = index
            resources.setdefault("autograder", {})["kernel_died_in"] = index
            return _not_run(cell, "DeadKernelError", "このセルの実行中にカーネルが停止しました"), resources
        if is_shared_cell(cell):
            self._run_shared(cell, index)
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(str(content))
        self._output_bytes += size
        if self._output_bytes > self.max_output_bytes:
            if not self._truncated:
                self._truncated = True
                outs.append(NotebookNode(output_type="stream", name="stderr",
                                         text=f"\n[出力が {self.max_output_bytes} バイトを超えたため、以降は省略しました]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


class SaveVerifiedGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, scoring a test cell all or nothing by the grader's own verdict."""

    def preprocess(self, nb, resources):
        self._verdicts = resources.get("autograder", {}).get("verdicts", {})
        return super().preprocess(nb, resources)

    def _add_score(self, cell, resources):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        if is_test_cell(cell):
            verdict = self._verdicts.get(grade_id) or {"passed": False, "message": "テストが実行されませんでした (not run)。"}
            grade.auto_score = float(cell.metadata["nbgrader"]["points"]) if verdict["passed"] is True else 0.0
            cell.metadata["autograder"] = {"passed": verdict["passed"] is True, "message": verdict["message"]}
        else:  # manually graded answers (none in this course so far)
            grade.auto_score = None
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        self.gradebook.db.commit()

"""A throwaway-or-persistent nbgrader course directory and its gradebook, driven headless.

nbgrader wants its own layout (``source/``, ``release/``, ``submitted/``, ``autograded/``) and a
gradebook database. The repository keeps exercise sources under ``autograder/source`` together
with files nbgrader must never see (wrong solutions), so each course directory gets its own copy
of just the source notebooks.
"""
from __future__ import annotations

import hashlib
import os
import logging
import shutil
from pathlib import Path

from dataclasses import dataclass

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput
from traitlets.config import Config

from autograder import kernels
from autograder.exercises import Exercise
from autograder.kernels import ZygoteKernelManager
from autograder.execution import SaveVerifiedGrades, SplitExecute
from autograder.sandbox import KERNEL_NAME, Limits, SandboxKernelManager, install_kernelspec

COURSE_ID = "llm-shikumi"


@dataclass(frozen=True)
class ExecutionSettings:
    """How submissions run: sandboxed or not, and their limits."""

    sandbox: bool = True
    # Fork each kernel from a sandboxed factory that has imported the heavy libraries (fast),
    # instead of starting a new sandboxed Python per notebook (slow, same isolation otherwise).
    kernel_factory: bool = True
    cell_timeout: int = 60  # seconds per cell
    notebook_timeout: int = 300  # seconds per notebook
    max_output_bytes: int = 100_000  # per cell
    limits: Limits = Limits()


def quiet_config(root: Path, db_url: str, execution: ExecutionSettings = ExecutionSettings()) -> Config:
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.course_id = COURSE_ID
    config.Exchange.root = str(root / "exchange")  # unused (no release/collect through nbgrader's exchange)
    # Clearing solutions leaves this stub; students see it where they should write code.
    config.ClearSolutions.code_stub = {"python": "# ここにコードを書きます\nraise NotImplementedError()"}
    config.ClearSolutions.enforce_metadata = True
    # Our execution and scoring: see autograder/execution.py.
    config.Autograde.autograde_preprocessors = [
        SplitExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        SaveVerifiedGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    config.SplitExecute.timeout = execution.cell_timeout
    config.SplitExecute.notebook_timeout = execution.notebook_timeout
    config.SplitExecute.max_output_bytes = execution.max_output_bytes
    config.SplitExecute.interrupt_on_timeout = True
    # A graded kernel is thrown away: no graceful shutdown to wait for.
    config.SplitExecute.shutdown_kernel = "immediate"
    if execution.sandbox:
        config.SplitExecute.kernel_name = KERNEL_NAME
        config.SplitExecute.kernel_manager_class = (ZygoteKernelManager if execution.kernel_factory
                                                      else SandboxKernelManager)
    return config


class NbgraderCourse:
    """One nbgrader course directory ``root`` with gradebook ``db_url``."""

    def __init__(self, root: Path, db_url: str | None = None, execution: ExecutionSettings = ExecutionSettings()):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or f"sqlite:///{self.root / 'gradebook.db'}"
        self.execution = execution
        (self.root / "exchange").mkdir(exist_ok=True)
        if execution.sandbox:
            install_kernelspec(self.root / "jupyter")
            paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
            if str(self.root / "jupyter") not in paths:
                os.environ["JUPYTER_PATH"] = os.pathsep.join([str(self.root / "jupyter"), *filter(None, paths)])
            os.environ.update(execution.limits.as_env())
            if execution.kernel_factory:
                kernels.configure(execution.limits)
        self.api = NbGraderAPI(config=quiet_config(self.root, self.db_url, execution))
        self.api.log.setLevel(logging.ERROR)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def add_exercise(self, exercise: Exercise) -> None:
        """Put the exercise into the gradebook (generate_assignment), unless its source is unchanged."""
        source = exercise.source_path.read_bytes()
        stamp = self.path("source", exercise.id, ".source-sha256")
        digest = hashlib.sha256(source).hexdigest()
        if stamp.exists() and stamp.read_text() == digest and self.path("release", exercise.id).exists():
            return
        folder = self.path("source", exercise.id)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / f"{exercise.id}.ipynb").write_bytes(source)
        result = self.api.generate_assignment(exercise.id, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {exercise.id} failed:\n{result.get('log')}\n{result.get('error')}")
        stamp.write_text(digest)

    def released_notebook(self, exercise_id: str) -> Path:
        return self.path("release", exercise_id, f"{exercise_id}.ipynb")

    def submit(self, exercise_id: str, student: str, notebook_bytes: bytes) -> None:
        folder = self.path("submitted", student, exercise_id)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / f"{exercise_id}.ipynb").write_bytes(notebook_bytes)

    def autograde(self, exercise_id: str, student: str) -> dict:
        return self.api.autograde(exercise_id, student, force=True, create=True)

    def autograded_notebook(self, exercise_id: str, student: str) -> Path:
        return self.path("autograded", student, exercise_id, f"{exercise_id}.ipynb")

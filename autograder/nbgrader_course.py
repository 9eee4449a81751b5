"""A throwaway-or-persistent nbgrader course directory and its gradebook, driven headless.

nbgrader wants its own layout (``source/``, ``release/``, ``submitted/``, ``autograded/``) and a
gradebook database. The repository keeps exercise sources under ``autograder/source`` together
with files nbgrader must never see (wrong solutions), so each course directory gets its own copy
of just the source notebooks.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput
from traitlets.config import Config

from autograder.exercises import Exercise
from autograder.execution import SaveVerifiedGrades, SplitExecute
from autograder.kernels import KernelFactory, KernelFactoryKernelManager
from autograder.sandbox import KERNEL_NAME, ExplicitEnvKernelManager, SandboxKernelManager
from autograder.settings import GraderSettings

COURSE_ID = "llm-shikumi"


def quiet_config(root: Path, db_url: str, settings: GraderSettings = GraderSettings(),
                 kernel_factory: KernelFactory | None = None) -> Config:
    """nbgrader's configuration for this course directory; also how the run's settings (and its
    kernel factory) reach the kernel managers nbgrader creates: through their config traits."""
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
    config.SplitExecute.timeout = settings.cell_timeout
    config.SplitExecute.notebook_timeout = settings.notebook_timeout
    config.SplitExecute.max_output_bytes = settings.max_output_bytes
    config.SplitExecute.interrupt_on_timeout = True
    # A graded kernel is thrown away: no graceful shutdown to wait for.
    config.SplitExecute.shutdown_kernel = "immediate"
    config.ExplicitEnvKernelManager.settings = settings
    if settings.sandbox:
        config.SplitExecute.kernel_name = KERNEL_NAME
        if settings.kernel_factory:
            config.SplitExecute.kernel_manager_class = KernelFactoryKernelManager
            config.KernelFactoryKernelManager.kernel_factory = kernel_factory
        else:
            config.SplitExecute.kernel_manager_class = SandboxKernelManager
    else:
        config.SplitExecute.kernel_manager_class = ExplicitEnvKernelManager
    return config


def alembic_head() -> str:
    """The gradebook schema's alembic revision, read in this process (nbgrader asks the ``alembic``
    program by name, which needs the venv's bin on PATH)."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = AlembicConfig()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def create_gradebook(db_url: str) -> None:
    """Create nbgrader's tables and its alembic version row in an empty database, as nbgrader's
    Gradebook would on first use, but without running the ``alembic`` program."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(db_url, future=True)
    try:
        with engine.begin() as conn:
            if inspect(conn).get_table_names():
                return
            Base.metadata.create_all(bind=conn)
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": alembic_head()})
    finally:
        engine.dispose()


class NbgraderCourse:
    """One nbgrader course directory ``root`` with gradebook ``db_url``, grading with ``settings``."""

    def __init__(self, root: Path, db_url: str | None = None, settings: GraderSettings = GraderSettings()):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or f"sqlite:///{self.root / 'gradebook.db'}"
        self.settings = settings
        (self.root / "exchange").mkdir(exist_ok=True)
        # started on first use, in the process that grades (a forked worker starts its own)
        self.kernel_factory = KernelFactory(settings) if settings.sandbox and settings.kernel_factory else None
        create_gradebook(self.db_url)
        self.api = NbGraderAPI(config=quiet_config(self.root, self.db_url, settings, self.kernel_factory))
        self.api.log.setLevel(logging.ERROR)

    def close(self) -> None:
        """Stop this course's kernel factory, if it started one."""
        if self.kernel_factory is not None:
            self.kernel_factory.close()

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

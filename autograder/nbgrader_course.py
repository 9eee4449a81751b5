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

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from autograder.exercises import Exercise


def quiet_config(root: Path, db_url: str) -> Config:
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.course_id = "llm-shikumi"
    # Clearing solutions leaves this stub; students see it where they should write code.
    config.ClearSolutions.code_stub = {"python": "# ここにコードを書きます\nraise NotImplementedError()"}
    config.ClearSolutions.enforce_metadata = True
    return config


class NbgraderCourse:
    """One nbgrader course directory ``root`` with gradebook ``db_url``."""

    def __init__(self, root: Path, db_url: str | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or f"sqlite:///{self.root / 'gradebook.db'}"
        self.api = NbGraderAPI(config=quiet_config(self.root, self.db_url))
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

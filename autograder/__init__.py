"""The course's autograder: nbgrader's pipeline and gradebook, driven headless.

    python -m autograder list                 exercise ids and their maximum points
    python -m autograder release              regenerate exercises/ and solutions/ from source/
    python -m autograder grade PATH... [--json FILE] [--feedback DIR]
    python -m autograder check                solutions full marks, stubs 0, wrong solutions caught
    python -m autograder export --csv FILE    the gradebook as a student x exercise table
    python -m autograder publish DIR          the student tree: no hidden tests, no wrong solutions

The single source of truth of every exercise is ``autograder/source/<id>/<id>.ipynb``.
"""

import os as _os
import sys as _sys

# nbgrader runs helper programs (``alembic``) by name: make the ones installed beside this
# interpreter findable even when .venv/bin is not on PATH (``.venv/bin/python -m autograder``).
_bin = _os.path.dirname(_sys.executable)
if _bin not in _os.environ.get("PATH", "").split(_os.pathsep):
    _os.environ["PATH"] = _bin + _os.pathsep + _os.environ.get("PATH", "")
# Never wait for the Hugging Face Hub while grading: there is no network.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")

import warnings as _warnings

# nbgrader 0.9 triggers SQLAlchemy autoflush warnings on every autograde; they are noise.
_warnings.filterwarnings("ignore", message=r".*not in session.*")

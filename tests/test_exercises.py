"""The course's real exercises: `python -m autograder check` (solutions full marks, stubs 0, every
wrong solution loses points, every hidden test catches a mistake, no leaks, files in sync)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_autograder_check_passes():
    proc = subprocess.run([sys.executable, "-m", "autograder", "check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=3000)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check passed" in proc.stdout


def test_list_names_every_exercise_with_points():
    proc = subprocess.run([sys.executable, "-m", "autograder", "list"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    ids = sorted(p.name for p in (ROOT / "autograder" / "source").iterdir() if (p / f"{p.name}.ipynb").exists())
    assert [r[0] for r in rows] == ids and all(float(r[1]) > 0 for r in rows)

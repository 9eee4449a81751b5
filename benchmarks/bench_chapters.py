"""Execution time of each chapter notebook, run the way the book build runs it (fresh kernel,
HF_HUB_OFFLINE=1). Prints seconds per chapter; the course's goal is under 60 s each on 2 cores."""
from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 60


def main() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    print(f"{'chapter':40s} {'seconds':>8s}  (goal < {GOAL_SECONDS} s, {os.cpu_count()} cores)")
    total = 0.0
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = time.perf_counter() - start
        total += seconds
        flag = "" if seconds < GOAL_SECONDS else "  <-- over the goal"
        print(f"{path.name:40s} {seconds:8.1f}{flag}")
    print(f"{'total':40s} {total:8.1f}")


if __name__ == "__main__":
    main()

"""Finding submissions on disk and reading them without trusting them."""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Submission:
    path: Path
    student: str  # the folder holding the notebook
    exercise: str  # the notebook's file name without .ipynb


class UnreadableSubmission(Exception):
    """The file is not a notebook we can grade; the message is written for the student."""


def submission_for(path: Path) -> Submission:
    path = Path(path)
    student = path.resolve().parent.name or "unknown"
    return Submission(path, student, path.stem)


def find_submissions(paths: list[Path]) -> list[Submission]:
    """Each PATH is a notebook or a folder searched for ``*.ipynb`` (checkpoints skipped), in a stable order."""
    found: list[Submission] = []
    for path in map(Path, paths):
        if path.is_dir():
            notebooks = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            found.extend(submission_for(p) for p in notebooks)
        elif path.exists():
            found.append(submission_for(path))
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    seen, unique = set(), []
    for sub in found:
        key = sub.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(sub)
    return unique


def read_notebook_bytes(path: Path, max_bytes: int = 20 * 1024 * 1024) -> bytes:
    """The submission's bytes if they hold a valid Jupyter notebook, else UnreadableSubmission."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableSubmission(
            f"ファイルが大きすぎます ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB)。出力をクリアしてから提出してください。"
            " (file too large: clear the outputs and submit again)"
        )
    data = path.read_bytes()
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableSubmission(
            f"ノートブックとして読めません: JSON ではありません ({exc})。Jupyter や Colab で保存した .ipynb をそのまま提出してください。"
            " (not a notebook: the file is not JSON)"
        ) from None
    if not isinstance(raw, dict) or "cells" not in raw or "nbformat" not in raw:
        raise UnreadableSubmission(
            "ノートブックとして読めません: JSON ですが .ipynb の形式ではありません (cells / nbformat がありません)。"
            " (not a notebook: JSON without cells/nbformat)"
        )
    try:
        with warnings.catch_warnings():  # duplicate cell ids and the like are repaired, not reported
            warnings.simplefilter("ignore")
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableSubmission(
            f"ノートブックの形式が壊れています: {message}。(invalid notebook format)"
        ) from None
    return data

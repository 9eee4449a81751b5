"""Execute the book's notebooks on every core before ``jupyter-book build``, into the build's own cache.

    .venv/bin/python tools/book_tools/execute.py [--jobs N]     (``make book`` runs it first)

``jupyter-book build`` with ``execute_notebooks: cache`` executes notebooks one after another; with a dozen
chapters of 20-60 s each that is most of a cold build, while a 2-core machine has a second core idle. This
script fills the same jupyter-cache (``_build/.jupyter_cache``) with N notebooks at a time, so the build that
follows only reads the cache. Nothing about the result changes:

- the cache key is jupyter-cache's own (the code cells and the kernelspec), the one myst-nb looks up;
- a notebook is executed in its own folder, as myst-nb does (``execution_in_temp: false``);
- a notebook already in the cache with the same code is skipped (a warm rebuild runs nothing here);
- a notebook whose cell raises is *not* cached: the build executes it again, shows the traceback and fails
  (``raise_on_error: true``), so an error is never hidden by this step.

Each kernel gets ``OMP_NUM_THREADS=1`` (and MKL's), so N kernels on N cores do not fight over threads;
chapters that need threads set them themselves (``llm_shikumi.training.torch_threads``).
Notebooks start in the book's order: later chapters reuse results that earlier ones store
(``llm_shikumi.results``: chapter 10 reads chapter 05's GRU and chapter 02's N-gram figures), so with N at a
time the earlier chapter has finished when the later one asks; if not, the later one computes the same
result itself (slower, never different).
"""
from __future__ import annotations

import argparse
import fnmatch
import multiprocessing
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[2]


def cache_path(root: Path) -> Path:
    """jupyter-book 1.x's cache folder (``nb_execution_cache_path`` is ``_build/.jupyter_cache``)."""
    return root / "_build" / ".jupyter_cache"


def toc_files(root: Path = ROOT) -> list[str]:
    """Every ``file:`` of ``_toc.yml`` (without suffix), in the order of the book."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.append(str(node["file"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found.append(str(toc["root"]))
    walk(toc.get("parts", toc.get("chapters", [])))
    return found


def notebooks_to_execute(root: Path = ROOT) -> list[Path]:
    """The ``.ipynb`` pages of the book that ``execute.exclude_patterns`` of ``_config.yml`` does not exclude.

    Text notebooks (MyST ``.md`` with code cells) are left to the build: they are few and quick."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    excluded = (config.get("execute") or {}).get("exclude_patterns") or []
    pages = []
    for name in toc_files(root):
        path = root / f"{name}.ipynb"
        relative = path.relative_to(root).as_posix()
        if path.exists() and not any(fnmatch.fnmatch(relative, pattern) for pattern in excluded):
            pages.append(path)
    return pages


def _execute_one(job: tuple[int, str, str, int]) -> tuple[str, int, float]:
    """Worker: execute one project notebook and cache it; (uri, status, seconds), status 0 = cached."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

    pk, uri, cache_path, timeout = job
    start = time.perf_counter()
    status, _ = ExecutionWorkerLocalMProc()(ProcessData(pk, uri, get_cache(cache_path), timeout, False))
    return uri, status, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks executed at once (default: the number of cores)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this repository)")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    from jupyter_cache import get_cache

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    timeout = int((config.get("execute") or {}).get("timeout", 300))
    cache_dir = cache_path(root)
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(cache_dir))

    jobs = []
    for path in notebooks_to_execute(root):
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
            continue  # same code already executed and cached
        except KeyError:
            pass
        record = cache.add_nb_to_project(str(path))
        jobs.append((record.pk, str(path), str(cache_dir), timeout))
    if not jobs:
        print("execute: every notebook is in the cache already")
        return 0
    print(f"execute: {len(jobs)} notebook(s), {args.jobs} at a time")

    # Kernels inherit this process's environment: one BLAS/torch thread each.
    os.environ.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    start, failed = time.perf_counter(), []
    with multiprocessing.get_context("spawn").Pool(max(1, args.jobs)) as pool:
        for uri, status, seconds in pool.imap_unordered(_execute_one, jobs, chunksize=1):
            name = Path(uri).relative_to(root)
            print(f"  {'ok    ' if status == 0 else 'FAILED'} {seconds:6.1f} s  {name}", flush=True)
            if status != 0:
                failed.append(name)
    print(f"execute: {time.perf_counter() - start:.1f} s wall")
    if failed:
        # Not an error here: the build re-executes these and reports the traceback.
        print("execute: left for the build to report: " + ", ".join(map(str, failed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

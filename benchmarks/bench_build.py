"""What building the book costs: a cold build from a fresh clone with an empty cache, then warm rebuilds.

    make bench-build            (or: .venv/bin/python benchmarks/bench_build.py [--keep])

1. `git clone` of the repository's committed HEAD into a temporary folder (uncommitted changes are not
   measured), `npm ci` of MathJax there (`make mathjax`), then `jupyter-book build` exactly as `make book`
   runs it, with an empty jupyter-cache: every chapter is executed.
2. Warm rebuilds of the same clone: nothing changed; one chapter touched (its file's time changed, not its
   content: Sphinx reads it again, the cache answers); one code cell of that chapter edited (a comment
   appended: the chapter is executed again).
3. Per-chapter execution times, as myst-nb recorded them in the clone's jupyter-cache.

The clone uses this repository's `.venv` (installing it is not part of the figure) with its own `src/`
first on PYTHONPATH, so the clone's code is what runs. Prints figures; asserts nothing. Goals (issue 13):
cold <= 5 min for the whole book on 2 cores, warm <= 20 s.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
COLD_GOAL, WARM_GOAL = 300.0, 20.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], cwd: Path, env: dict, log: Path) -> tuple[float, int]:
    """Run `cmd`, append its output to `log`; (wall seconds, exit code). Its CPU seconds (all processes,
    kernels included) go to CPU[<the command>]: on a busy machine they say more than the wall clock."""
    start, cpu = time.perf_counter(), _children_cpu()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        code = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    run.cpu = _children_cpu() - cpu
    return time.perf_counter() - start, code


def book_build(clone: Path, env: dict, log: Path) -> tuple[float, int]:
    """What `make book` runs: the notebooks executed on every core into the cache, then jupyter-book."""
    execute_s, execute_code = run([str(VENV_BIN / "python"), "tools/book_tools/execute.py"], clone, env, log)
    cpu = run.cpu
    build_s, build_code = run([str(VENV_BIN / "jupyter-book"), "build", ".", "--builder", "html",
                               "--warningiserror", "--keep-going"], clone, env, log)
    run.cpu += cpu
    return execute_s + build_s, execute_code or build_code


def chapter_times(clone: Path) -> list[tuple[str, float | None]]:
    """(notebook, execution seconds) of every execution in the clone's jupyter-cache, latest per notebook."""
    from jupyter_cache import get_cache

    cache_dir = clone / "_build" / ".jupyter_cache"
    if not cache_dir.exists():
        return []
    latest: dict[str, tuple[float, float | None]] = {}
    for record in get_cache(str(cache_dir)).list_cache_records():
        uri = Path(record.uri)
        name = str(uri.relative_to(clone)) if uri.is_relative_to(clone) else str(uri)
        created = record.created.timestamp()
        if name not in latest or created > latest[name][0]:
            latest[name] = (created, (record.data or {}).get("execution_seconds"))
    return [(name, seconds) for name, (_, seconds) in sorted(latest.items())]


def append_comment_to_first_code_cell(path: Path) -> None:
    """Edit one code cell (after the Colab set-up cell) by appending a comment: a new cache key."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    cell = code_cells[1] if len(code_cells) > 1 else code_cells[0]
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = source + "\n# bench-build: edited to force re-execution"
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def flag(seconds: float, goal: float) -> str:
    return "" if seconds <= goal else f"  (over the {goal:.0f} s goal)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone and its _build/")
    args = parser.parse_args()
    if not (VENV_BIN / "jupyter-book").exists():
        print(f"no {VENV_BIN / 'jupyter-book'}: run `make install` first", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    clone, log = work / "book", work / "build.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(work / "book" / "src"), os.environ.get("PYTHONPATH")]))}
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
        cpu = {}
        npm_s, npm_code = run(["npm", "ci", "--prefix", "tools/mathjax", "--no-audit", "--no-fund",
                               "--loglevel=error"], clone, env, log)
        cpu["npm"] = run.cpu
        cold_s, cold_code = book_build(clone, env, log)
        cpu["cold"] = run.cpu
        warm_s, warm_code = book_build(clone, env, log)
        cpu["warm"] = run.cpu

        chapters = sorted((clone / "chapters").glob("*.ipynb"))
        touched = chapters[0] if chapters else None
        touch_s = edit_s = None
        if touched is not None:
            touched.touch()
            touch_s, _ = book_build(clone, env, log)
            cpu["touch"] = run.cpu
            append_comment_to_first_code_cell(touched)
            edit_s, _ = book_build(clone, env, log)
            cpu["edit"] = run.cpu
        times = chapter_times(clone)

        load = os.getloadavg()[0]
        print(f"book build of commit {commit} ({os.cpu_count()} cores, load average {load:.1f} at the end; "
              f"fresh clone in {clone}; log {log})")
        print(f"{'step':62s} {'wall s':>8s} {'CPU s':>8s}")
        row = lambda label, wall, key, extra="": print(f"{label:62s} {wall:8.1f} {cpu[key]:8.1f}{extra}")  # noqa: E731
        row("make mathjax (npm ci, from the registry)", npm_s, "npm", "" if npm_code == 0 else f"  exit {npm_code}")
        row("cold build (empty cache: every chapter executed)", cold_s, "cold",
            flag(cold_s, COLD_GOAL) + ("" if cold_code == 0 else f"  exit {cold_code}: see the log"))
        row("warm rebuild, nothing changed", warm_s, "warm",
            flag(warm_s, WARM_GOAL) + ("" if warm_code == 0 else f"  exit {warm_code}"))
        if touched is not None:
            name = touched.relative_to(clone)
            row(f"warm rebuild, {name.name} touched", touch_s, "touch", flag(touch_s, WARM_GOAL))
            row(f"rebuild, a code cell of {name.name} edited (re-executed)", edit_s, "edit")
        print("\nexecution per notebook (jupyter-cache, latest run):")
        for name, seconds in times:
            print(f"  {name:56s} {seconds:8.1f}" if seconds is not None else f"  {name:56s}        ?")
        if times:
            total = sum(s for _, s in times if s is not None)
            print(f"  {'total':56s} {total:8.1f}")
        return 0
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Grading throughput: plain ``nbgrader autograde`` against ``python -m autograder grade --jobs 2``.

Both grade the same batch: for every exercise its solution, its unmodified student version and
every wrong solution kept beside its source (at least 40 notebooks in all). Prints seconds per
notebook for each and the ratio, and where the time goes: each exercise's share of plain nbgrader's
time, and the CPU seconds of each side's processes by role (sampled from /proc, see
``bench_batch.TreeSampler``). Run with ``make bench-grade``.
"""
from __future__ import annotations

import argparse
import collections
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from autograder.check import notebook_with  # noqa: E402
from autograder.exercises import load_exercises  # noqa: E402
from bench_batch import TreeSampler  # noqa: E402


def build_batch(folder: Path, minimum: int, only: list[str] | None = None) -> list[tuple[str, str, Path]]:
    """(student, exercise, path) for every notebook of the batch; repeats the set until ``minimum``."""
    notebooks = []
    exercises = {k: e for k, e in load_exercises().items()  # released ones only (others may be in progress)
                 if e.student_path.exists() and e.solution_path.exists() and (not only or k in only)}
    round_ = 0
    while len(notebooks) < minimum:
        for exercise in exercises.values():
            variants = {"solution": nbformat.read(exercise.solution_path, as_version=4),
                        "stub": nbformat.read(exercise.student_path, as_version=4)}
            for wrong in exercise.wrong_solutions():
                variants[f"wrong-{wrong.name}"] = notebook_with(exercise.solution_path, wrong)
            for name, nb in variants.items():
                student = f"r{round_}-{name}"
                path = folder / student / f"{exercise.id}.ipynb"
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, path)
                notebooks.append((student, exercise.id, path))
        round_ += 1
    return notebooks


def env() -> dict[str, str]:
    e = dict(os.environ, HF_HUB_OFFLINE="1")
    e["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{e['PATH']}"
    return e


def run_sampled(cmd, sampler_cpu: collections.Counter, **kwargs) -> None:
    """Run ``cmd`` to its end (check=True), adding its process tree's CPU seconds by role to ``sampler_cpu``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kwargs)
    sampler = TreeSampler(process.pid)
    sampler.start()
    stderr = process.communicate()[1]
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, cmd, stderr=stderr)
    sampler_cpu.update(sampler.cpu_by_role())
    # Every process that was waited for (exact; misses processes their parent never waited for).
    sampler_cpu["(total, getrusage)"] += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_plain_nbgrader(notebooks, work: Path, cpu: collections.Counter, per_exercise: dict) -> float:
    """nbgrader's own command line, as documented: generate_assignment, then autograde per exercise."""
    course = work / "course"
    for exercise in load_exercises().values():
        if exercise.id not in {e for _, e, _ in notebooks}:
            continue
        (course / "source" / exercise.id).mkdir(parents=True)
        shutil.copy(exercise.source_path, course / "source" / exercise.id)
        subprocess.run(["nbgrader", "generate_assignment", exercise.id, "--force"], cwd=course, env=env(),
                       check=True, capture_output=True)
    for student, exercise, path in notebooks:
        target = course / "submitted" / student / exercise
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / path.name)
    start = time.perf_counter()
    for exercise in sorted({e for _, e, _ in notebooks}):
        began = time.perf_counter()
        run_sampled(["nbgrader", "autograde", exercise, "--force"], cpu, cwd=course, env=env())
        per_exercise[exercise] = time.perf_counter() - began
    return time.perf_counter() - start


def time_autograder(folder: Path, work: Path, jobs: int, cpu: collections.Counter) -> float:
    (work.parent / "empty").mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(work.parent / "empty"), "--workdir", str(work)],
                   cwd=ROOT, env=env(), capture_output=True)  # gradebook set up outside the timing, as above
    start = time.perf_counter()
    run_sampled([sys.executable, "-m", "autograder", "grade", str(folder), "--workdir", str(work),
                 "--jobs", str(jobs), "--json", str(work / "r.json")], cpu, cwd=ROOT, env=env())
    return time.perf_counter() - start


def describe(cpu: collections.Counter) -> str:
    return ", ".join(f"{role} {seconds:.1f} s" for role, seconds in cpu.most_common())


def cpu_total(cpu: collections.Counter) -> float:
    """The larger of the exact total of waited-for processes and the sum of the samples."""
    sampled = sum(v for k, v in cpu.items() if not k.startswith("("))
    return max(sampled, cpu["(total, getrusage)"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notebooks", type=int, default=40, help="at least this many notebooks (default 40)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exercises", nargs="*", help="only these exercises (default: all released)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        tmp = Path(tmp)
        notebooks = build_batch(tmp / "batch", args.notebooks, args.exercises)
        n = len(notebooks)
        print(f"batch: {n} notebooks over {len({e for _, e, _ in notebooks})} exercises, {os.cpu_count()} cores")
        counts = collections.Counter(e for _, e, _ in notebooks)
        plain_cpu, per_exercise = collections.Counter(), {}
        plain = time_plain_nbgrader(notebooks, tmp / "plain", plain_cpu, per_exercise)
        print(f"nbgrader autograde (sequential, no sandbox):       {plain:7.1f} s  {plain / n:5.2f} s/notebook")
        print("  per exercise: " + ", ".join(f"{e} {t / counts[e]:.2f} s x {counts[e]}" for e, t in per_exercise.items()))
        print(f"  CPU by role (sampled): {describe(plain_cpu)}")
        ours_cpu = collections.Counter()
        ours = time_autograder(tmp / "batch", tmp / "ours", args.jobs, ours_cpu)
        print(f"autograder grade --jobs {args.jobs} (sandboxed, verified): {ours:7.1f} s  {ours / n:5.2f} s/notebook")
        print(f"  CPU by role (sampled): {describe(ours_cpu)}")
        print(f"throughput ratio: {plain / ours:.2f}x   (load average now {os.getloadavg()[0]:.1f}; "
              f"the machine's other work inflates both, unevenly)")
        print(f"CPU per notebook: nbgrader {cpu_total(plain_cpu) / n:.2f} s, autograder {cpu_total(ours_cpu) / n:.2f} s "
              f"(ratio {cpu_total(plain_cpu) / max(cpu_total(ours_cpu), 1e-9):.2f}x; less sensitive to other work than wall time)")


if __name__ == "__main__":
    main()

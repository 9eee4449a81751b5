"""A large batch end to end: ``python -m autograder grade`` on N notebooks (default 1,000).

The batch is generated from the released exercises: solutions (correct), wrong solutions, untouched
student versions (blank), and 10 % broken or hostile notebooks: not JSON, a kernel that exits, an
infinite loop (stopped by ``--cell-timeout``), a memory hog, an output flood, a process bomb, a /tmp
filler and the attacks on the verdict from ``tests/test_grading_safety.py``. It checks that every
notebook gets exactly one result (the only assertion), and prints wall time, notebooks per second,
CPU time and peak memory of the grader and all its children (sampled from /proc every 0.5 s).
It asserts nothing about time. Run with ``make bench-batch`` or
``python benchmarks/bench_batch.py --n 50``.
"""
from __future__ import annotations

import argparse
import collections
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.check import is_answer_cell, notebook_with  # noqa: E402
from autograder.exercises import load_exercises  # noqa: E402

HOSTILE_SHARE = 0.10
# Code put in front of the first answer cell of a solution (the notebook's other cells are left as they are).
HOSTILE = {
    "kernel_exit": "import os\nos._exit(0)\n",
    "infinite_loop": "while True:\n    pass\n",
    "memory_hog": ("import numpy\n_hog = []\ntry:\n    while True:\n        _hog.append(numpy.ones(2**25))  # 256 MiB, touched\n"
                   "except MemoryError:\n    del _hog\n"),
    "output_flood": "for _ in range(30_000):\n    print('flood' * 40)\n",
    "process_bomb": ("import os, time\ntry:\n    while True:\n        if os.fork() == 0:\n            time.sleep(600)\n"
                     "            os._exit(0)\nexcept OSError:\n    pass\n"),
    "tmp_filler": ("import tempfile\ntry:\n    with open(tempfile.gettempdir() + '/fill', 'wb') as _f:\n"
                   "        for _ in range(10_000):\n            _f.write(b'x' * 2**20)\nexcept OSError:\n    pass\n"),
}


def attacks() -> dict[str, str]:
    """The catalogue of attacks on the verdict (tests/test_grading_safety.py)."""
    try:
        from tests.test_grading_safety import ATTACKS
    except Exception:  # noqa: BLE001 - the benchmark still runs without the test suite
        return {}
    return {f"attack_{name}": code for name, code in ATTACKS.items()}


def with_code_in_front(nb, code: str):
    nb = copy.deepcopy(nb)
    cell = next(c for c in nb.cells if is_answer_cell(c))
    cell.source = code + cell.source
    return nb


def build_batch(folder: Path, n: int, exercise_ids: list[str] | None) -> collections.Counter:
    """Write ``n`` notebooks ``folder/sNNNN/<exercise>.ipynb``; the count of each kind."""
    exercises = [e for e in load_exercises().values()
                 if (exercise_ids is None or e.id in exercise_ids) and e.student_path.exists() and e.solution_path.exists()]
    if not exercises:
        sys.exit("no released exercise to build the batch from")
    solutions = {e.id: nbformat.read(e.solution_path, as_version=4) for e in exercises}
    blanks = {e.id: nbformat.read(e.student_path, as_version=4) for e in exercises}
    wrongs = {e.id: [notebook_with(e.solution_path, w) for w in e.wrong_solutions()] or [blanks[e.id]]
              for e in exercises}

    def ordinary(k: int):
        """The k-th ordinary notebook: correct, wrong, blank in turn, over the exercises in turn."""
        kind, exercise = ("correct", "wrong", "blank")[k % 3], exercises[(k // 3) % len(exercises)].id
        round_ = k // (3 * len(exercises))
        nb = {"correct": solutions, "blank": blanks}[kind][exercise] if kind != "wrong" else \
            wrongs[exercise][round_ % len(wrongs[exercise])]
        return kind, exercise, nb
    hostile_kinds = ["invalid_json", *HOSTILE, *attacks()]
    hostile_code = {**HOSTILE, **attacks()}
    n_hostile = round(n * HOSTILE_SHARE)
    kinds = collections.Counter()
    every = n / n_hostile if n_hostile else float("inf")
    hostile_done = 0
    for i in range(n):
        path = folder / f"s{i:05d}"
        path.mkdir(parents=True)
        if hostile_done < n_hostile and i >= hostile_done * every:  # spread over the batch
            kind = hostile_kinds[hostile_done % len(hostile_kinds)]
            exercise = exercises[hostile_done % len(exercises)]
            hostile_done += 1
            target = path / f"{exercise.id}.ipynb"
            if kind == "invalid_json":
                target.write_bytes(b'{"cells": [ this is not JSON \xff')
            else:
                nbformat.write(with_code_in_front(solutions[exercise.id], hostile_code[kind]), target)
            kinds["hostile:" + kind] += 1
            kinds["hostile"] += 1
        else:
            kind, exercise_id, nb = ordinary(i - hostile_done)
            nbformat.write(nb, path / f"{exercise_id}.ipynb")
            kinds[kind] += 1
    return kinds


class TreeSampler(threading.Thread):
    """Samples a process and all its descendants every 0.5 s: peak memory (the sum of their PSS, the
    proportional set size, so pages the forked kernels share with their factory count once; and the sum
    of their RSS) and CPU seconds by role: the grader (its main and worker processes, where the test
    cells run), the kernel factories, the kernels, the sandbox tools (bwrap, setpriv, prlimit). CPU of a
    process is its last sample, so up to 0.5 s of a process's end can be missed."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.peak_pss = self.peak_rss = self.peak_processes = 0
        self.cpu: dict[int, tuple[str, float]] = {}

    @staticmethod
    def _stats() -> dict[int, tuple[int, float, str]]:
        """pid -> (parent pid, CPU seconds, command line) of every process."""
        found = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                    cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                found[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TreeSampler.TICK, cmdline)
        return found

    @staticmethod
    def _memory(pid: int) -> tuple[int, int]:
        pss = rss = 0
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return pss, rss

    @staticmethod
    def _role(cmdline: str, parent_role: str | None) -> str:
        program = cmdline.split(" ", 1)[0].rsplit("/", 1)[-1]
        if parent_role in ("kernel factory", "kernels"):
            return "kernels"
        if program in ("bwrap", "setpriv", "prlimit", "unshare"):
            return "sandbox tools"
        if "ipykernel_launcher" in cmdline:
            return "kernels"
        if "kernel_factory.py" in cmdline:
            return "kernel factory"
        return parent_role or "grader"

    def sample(self) -> None:
        stats, children = self._stats(), collections.defaultdict(list)
        for pid, (ppid, _, _) in stats.items():
            children[ppid].append(pid)
        todo, pids = [(self.pid, None)], []
        while todo:
            pid, parent_role = todo.pop()
            if pid not in stats:
                continue
            role = self._role(stats[pid][2], parent_role)
            self.cpu[pid] = (role, stats[pid][1])
            pids.append(pid)
            todo += [(child, role) for child in children.get(pid, [])]
        if pids:
            pss, rss = map(sum, zip(*(self._memory(p) for p in pids)))
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.peak_processes = max(self.peak_processes, len(pids))

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.sample()

    def cpu_by_role(self) -> dict[str, float]:
        total = collections.Counter()
        for role, seconds in self.cpu.values():
            total[role] += seconds
        return dict(total)


def describe_cpu(sampler: TreeSampler) -> str:
    return ", ".join(f"{role} {seconds:.1f} s" for role, seconds in sorted(sampler.cpu_by_role().items(),
                                                                          key=lambda kv: -kv[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="notebooks in the batch (default 1000)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cell-timeout", type=int, default=10, help="seconds per cell (default 10: stops the loops)")
    parser.add_argument("--exercises", nargs="*", help="exercise ids to build the batch from (default: all released)")
    parser.add_argument("--keep", type=Path, help="build the batch and grade it in this folder, and keep it")
    args = parser.parse_args()
    from autograder.sandbox import Limits, limits_in_force

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        base = args.keep or Path(tmp)
        batch, work = base / "batch", base / "work"
        kinds = build_batch(batch, args.n, args.exercises)
        print(f"batch: {args.n} notebooks: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())
                                                         if ":" not in k))
        print("  hostile: " + ", ".join(f"{k.split(':')[1]} {v}" for k, v in sorted(kinds.items()) if ":" in k))
        print(f"limits: {limits_in_force(Limits())}")
        print(f"grading with --jobs {args.jobs} --cell-timeout {args.cell_timeout} on {os.cpu_count()} cores "
              f"(load average before: {os.getloadavg()[0]:.1f})", flush=True)
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(batch), "--workdir", str(work),
                                    "--jobs", str(args.jobs), "--cell-timeout", str(args.cell_timeout),
                                    "--json", str(base / "results.json")],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        sampler = TreeSampler(process.pid)
        sampler.start()
        stderr = process.communicate()[1]
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if process.returncode != 0:
            sys.exit(f"autograder grade exited with {process.returncode}:\n{stderr[-3000:]}")
        results = json.loads((base / "results.json").read_text(encoding="utf-8"))["results"]
        keys = {(r["student"], r["exercise"]) for r in results}
        statuses = collections.Counter(r["status"] for r in results)
        print(f"results: {len(results)} for {args.n} notebooks, {len(keys)} distinct "
              f"({', '.join(f'{s} {c}' for s, c in sorted(statuses.items()))})")
        assert len(results) == len(keys) == args.n, "every notebook must have exactly one result"
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"wall time: {wall:.1f} s   {args.n / wall:.2f} notebooks/s   {wall / args.n:.2f} s/notebook")
        print(f"CPU time of the grader and its children: {cpu:.1f} s ({cpu / args.n:.2f} s/notebook); "
              f"sampled by role: {describe_cpu(sampler)}")
        print(f"peak memory of the grader and all its children: PSS {sampler.peak_pss / 1024**2:.0f} MiB "
              f"(RSS summed {sampler.peak_rss / 1024**2:.0f} MiB; {sampler.peak_processes} processes at most); "
              f"largest single process {after.ru_maxrss / 1024:.0f} MiB")
        print(f"load average after: {os.getloadavg()[0]:.1f} (2 shared cores: other work inflates the wall time)")


if __name__ == "__main__":
    main()

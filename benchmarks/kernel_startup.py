"""Where a graded notebook's time goes: starting its kernel, and importing what exercises import.

Compares a plain Jupyter kernel, a fresh sandboxed kernel (bubblewrap, one new Python per
notebook) and a kernel forked from the sandboxed factory that has preloaded the heavy libraries.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograder  # noqa: E402,F401  (puts the venv's bin on PATH)
from jupyter_client.manager import AsyncKernelManager  # noqa: E402

from autograder import kernels  # noqa: E402
from autograder.sandbox import KERNEL_NAME, Limits, SandboxKernelManager, install_kernelspec  # noqa: E402

IMPORTS = "import numpy, fugashi, torch, matplotlib.pyplot"
# Not imported by any exercise yet, so the factory does not preload it (it would add ~3 s to every
# grading run); measured so that the cost is known when BERT/GPT exercises arrive.
TRANSFORMERS = "from transformers import BertModel, GPT2LMHeadModel"


async def one_kernel(manager_class, kernel_name: str) -> tuple[float, float, float]:
    """Seconds to a kernel ready for code, to run the exercises' imports in it, then transformers'."""
    start = time.perf_counter()
    km = manager_class(kernel_name=kernel_name)
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=120)
    ready = time.perf_counter()
    await kc.execute_interactive(IMPORTS, timeout=120)
    done = time.perf_counter()
    await kc.execute_interactive(TRANSFORMERS, timeout=120)
    with_transformers = time.perf_counter()
    kc.stop_channels()
    await km.shutdown_kernel(now=True)
    return ready - start, done - ready, with_transformers - done


def measure(label: str, manager_class, kernel_name: str, repeat: int = 3) -> None:
    runs = [asyncio.run(one_kernel(manager_class, kernel_name)) for _ in range(repeat)]
    start, imports, transformers = (statistics.median(r[i] for r in runs) for i in range(3))
    print(f"{label:52s} start {start:5.2f} s   imports {imports:5.2f} s   transformers {transformers:5.2f} s")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-kernels-"))
    install_kernelspec(folder)
    os.environ["JUPYTER_PATH"] = str(folder)
    os.environ.update(Limits().as_env())
    kernels.configure(Limits())
    print(f"median of 3, {os.cpu_count()} cores; imports = `{IMPORTS}`; transformers = `{TRANSFORMERS}`")
    measure("plain Jupyter kernel (what nbgrader starts)", AsyncKernelManager, "python3")
    measure("fresh sandboxed kernel (--no-kernel-factory)", SandboxKernelManager, KERNEL_NAME)
    kernels.current_zygote()  # started once per grading process, outside the per-notebook cost
    measure("kernel forked from the sandboxed factory (default)", kernels.ZygoteKernelManager, KERNEL_NAME)


if __name__ == "__main__":
    main()

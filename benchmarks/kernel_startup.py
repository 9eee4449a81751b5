"""Where a graded notebook's time goes: starting its kernel, and importing what exercises import.

Compares a plain Jupyter kernel, a fresh sandboxed kernel (bubblewrap, one new Python per
notebook) and a kernel forked from the sandboxed factory that has preloaded the heavy libraries.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from traitlets.config import Config  # noqa: E402

from autograder.kernels import KernelFactory, KernelFactoryKernelManager  # noqa: E402
from autograder.sandbox import KERNEL_NAME, SandboxKernelManager  # noqa: E402
from autograder.settings import GraderSettings  # noqa: E402

IMPORTS = "import numpy, fugashi, torch, matplotlib.pyplot"
# Not imported by any exercise yet, so the factory does not preload it (it would add ~3 s to every
# grading run); measured so that the cost is known when BERT/GPT exercises arrive.
TRANSFORMERS = "from transformers import BertModel, GPT2LMHeadModel"


async def one_kernel(manager_class, kernel_name: str, config: Config | None) -> tuple[float, float, float]:
    """Seconds to a kernel ready for code, to run the exercises' imports in it, then transformers'."""
    start = time.perf_counter()
    km = manager_class(kernel_name=kernel_name, config=config or Config())
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


def measure(label: str, manager_class, kernel_name: str, config: Config | None = None, repeat: int = 3) -> None:
    runs = [asyncio.run(one_kernel(manager_class, kernel_name, config)) for _ in range(repeat)]
    start, imports, transformers = (statistics.median(r[i] for r in runs) for i in range(3))
    print(f"{label:52s} start {start:5.2f} s   imports {imports:5.2f} s   transformers {transformers:5.2f} s")


def main() -> None:
    # The grader's settings and its kernel factory reach the kernel managers through their config,
    # as in autograder.nbgrader_course.quiet_config.
    settings = GraderSettings()
    factory = KernelFactory(settings)
    config = Config()
    config.ExplicitEnvKernelManager.settings = settings
    config.KernelFactoryKernelManager.kernel_factory = factory
    print(f"median of 3, {os.cpu_count()} cores; imports = `{IMPORTS}`; transformers = `{TRANSFORMERS}`")
    measure("plain Jupyter kernel (what nbgrader starts)", AsyncKernelManager, "python3")
    measure("fresh sandboxed kernel (--no-kernel-factory)", SandboxKernelManager, KERNEL_NAME, config)
    factory.ensure_running()  # started once per grading process, outside the per-notebook cost
    measure("kernel forked from the kernel factory (default)", KernelFactoryKernelManager, KERNEL_NAME, config)
    factory.close()


if __name__ == "__main__":
    main()

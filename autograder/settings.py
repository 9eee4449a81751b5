"""Every setting of a grading run in one frozen object, built once by the command line.

:class:`GraderSettings` is passed explicitly to the grader, the nbgrader course and the kernel
managers (through nbgrader's traitlets configuration, the only way nbgrader hands anything to the
kernel managers it creates). Nothing is read from or written to ``os.environ`` in the grader's
process: the environment of every kernel is the explicit dict :meth:`GraderSettings.kernel_env`.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox import Limits

# Control folders of kernel factories. Not under /tmp: every kernel mounts its own empty /tmp/work
# and /tmp is read-only inside the sandbox.
DEFAULT_KERNEL_ROOT = Path("/var/tmp/autograder")


def byte_size(text: str) -> int:
    """``4G`` -> 4294967296, ``100K`` -> 102400, ``512M``, ``1.5G``, ``1000`` (bytes)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)B?", str(text).strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"サイズとして読めません: {text!r} (例: 4G, 512M) / not a size")
    return int(float(match[1]) * {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[match[2]])


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"整数ではありません: {text!r} / not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"1 以上の整数にしてください: {value} / must be at least 1")
    return value


@dataclass(frozen=True)
class GraderSettings:
    """How submissions run: sandboxed or not, how kernels start, limits and time budgets."""

    sandbox: bool = True  # each kernel in bubblewrap as nobody (see autograder/sandbox.py)
    # Fork each kernel from the sandboxed kernel factory that has imported the heavy libraries
    # (fast), instead of starting a new sandboxed Python per notebook (slow, same isolation).
    kernel_factory: bool = True
    jobs: int = 1  # notebooks graded in parallel (worker processes)
    cell_timeout: int = 60  # seconds per cell
    notebook_timeout: int = 300  # seconds per notebook
    max_output_bytes: int = 100_000  # output kept per cell
    limits: Limits = field(default_factory=Limits)
    kernel_root: Path = DEFAULT_KERNEL_ROOT  # control folders of the kernel factories
    kernel_dir: Path | None = None  # private folders of fresh sandboxed kernels (None: the system's temp dir)
    offline: bool = True  # kernels never wait for the Hugging Face Hub (HF_HUB_OFFLINE=1)

    # Fields that change how a notebook is graded; the others (parallelism, where control folders
    # live) do not, so changing them does not make a resumed batch grade everything again.
    GRADING_FIELDS = ("sandbox", "kernel_factory", "cell_timeout", "notebook_timeout", "max_output_bytes",
                      "limits", "offline")

    def __post_init__(self):
        for name in ("jobs", "cell_timeout", "notebook_timeout", "max_output_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")

    def fingerprint(self) -> str:
        """What of the settings a stored result depends on (part of the resume fingerprint)."""
        return repr(tuple((name, getattr(self, name)) for name in self.GRADING_FIELDS))

    def offline_env(self) -> dict[str, str]:
        return {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"} if self.offline else {}

    def kernel_env(self) -> dict[str, str]:
        """The whole environment of a sandboxed kernel (bubblewrap starts it with ``--clearenv``)."""
        return {
            "HOME": "/tmp/work", "TMPDIR": "/tmp/work", "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
            "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
            **self.offline_env(),
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLCONFIGDIR": "/tmp/work/.matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
        }

    def describe(self) -> str:
        """One line for the instructor's terminal."""
        how = ("サンドボックス + カーネルファクトリー (sandbox, kernel factory)" if self.sandbox and self.kernel_factory
               else "サンドボックス、ノートブックごとに新しい Python (sandbox, fresh kernels)" if self.sandbox
               else "サンドボックスなし (no sandbox: trusted notebooks only)")
        return (f"{how}; 並列 {self.jobs}; セル {self.cell_timeout} 秒, ノートブック {self.notebook_timeout} 秒; "
                f"メモリ {self.limits.memory_bytes / 1024**3:g}G")


def add_settings_arguments(parser: argparse.ArgumentParser, *, parallel: bool = True) -> None:
    """The command-line options that make a :class:`GraderSettings` (``settings_from_args``)."""
    d = GraderSettings()
    if parallel:
        parser.add_argument("--jobs", "-j", type=positive_int, default=d.jobs,
                            help=f"同時に採点するノートブックの数 / notebooks graded in parallel (default {d.jobs})")
    parser.add_argument("--cell-timeout", type=positive_int, default=d.cell_timeout,
                        help=f"セルごとの制限時間 (秒) / seconds per cell (default {d.cell_timeout})")
    parser.add_argument("--notebook-timeout", type=positive_int, default=d.notebook_timeout,
                        help=f"ノートブックごとの制限時間 (秒) / seconds per notebook (default {d.notebook_timeout})")
    parser.add_argument("--memory", type=byte_size, default="4G",
                        help="カーネルごとのアドレス空間の上限 / address-space limit per kernel (default 4G)")
    parser.add_argument("--max-output", type=byte_size, default="100K",
                        help="セルごとに残す出力の量 / output kept per cell (default 100K)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="bubblewrap を使わずに実行します (信頼できるノートブックのデバッグ用だけ) / "
                             "run kernels without bubblewrap (trusted notebooks only)")
    parser.add_argument("--no-kernel-factory", action="store_true",
                        help="カーネルファクトリーから fork せず、ノートブックごとに新しいサンドボックスの Python を起動します "
                             "(遅い。隔離は同じ) / start a fresh sandboxed Python per notebook instead of forking it "
                             "from the preloaded kernel factory (slower; same isolation)")
    parser.add_argument("--kernel-root", type=Path, default=d.kernel_root,
                        help=f"カーネルファクトリーの制御フォルダーを置く場所 (/tmp の下は不可) / where kernel "
                             f"factories keep their control folders, not under /tmp (default {d.kernel_root})")


def settings_from_args(args: argparse.Namespace) -> GraderSettings:
    """The settings of a parsed command line (options missing from ``args`` keep their defaults)."""
    d = GraderSettings()
    values = {
        "sandbox": not getattr(args, "no_sandbox", False),
        "kernel_factory": not getattr(args, "no_kernel_factory", False),
        "jobs": getattr(args, "jobs", d.jobs),
        "cell_timeout": getattr(args, "cell_timeout", d.cell_timeout),
        "notebook_timeout": getattr(args, "notebook_timeout", d.notebook_timeout),
        "max_output_bytes": getattr(args, "max_output", d.max_output_bytes),
        "kernel_root": Path(getattr(args, "kernel_root", d.kernel_root)),
    }
    if hasattr(args, "memory"):
        values["limits"] = Limits(memory_bytes=args.memory)
    return GraderSettings(**values)


__all__ = ["DEFAULT_KERNEL_ROOT", "GraderSettings", "Limits", "add_settings_arguments", "byte_size", "positive_int",
           "settings_from_args"]

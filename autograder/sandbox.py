"""Run each submission's Jupyter kernel in a bubblewrap sandbox.

Inside the sandbox the kernel sees a read-only system (``/usr``), the Python environment and the
course package, a private writable ``/tmp`` that disappears with it, and nothing else: not the
repository, the exercise sources, the hidden tests, the solutions, other submissions or the
gradebook. It has no network (own network namespace), its own PID namespace (it cannot see or
signal the grader), runs as the unprivileged user ``nobody`` when the grader is root, and has
limits on address space, file size, open files and processes (prlimit).

Jupyter talks to the kernel over Unix sockets (``ipc`` transport): TCP cannot cross the network
namespace. Each kernel gets a private folder holding only its connection file and sockets; that
folder is the only host path bound writable into the sandbox.

The kernelspec's ``argv`` runs ``python -m autograder.sandbox {connection_file}`` on the host, which
builds the bubblewrap command line and replaces itself with it.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

KERNEL_NAME = "autograder-sandbox"
NOBODY = 65534
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * 1024**3  # address space; torch reserves a lot of virtual memory
    file_bytes: int = 64 * 1024**2  # largest file the kernel may write
    open_files: int = 256
    # Threads and processes of ONE kernel. Each kernel gets its own user namespace and Linux (>= 5.14)
    # counts RLIMIT_NPROC per user namespace, so a fork bomb stops here without taking its neighbours'.
    processes: int = 256
    # Backstop for all kernels together (they all run as one user): the limit of the process that
    # creates the kernels' user namespaces, checked against that user's threads on the whole machine.
    all_processes: int = 8192
    tmp_bytes: int = 512 * 1024**2  # each kernel's /tmp/work, a tmpfs (memory): when full, ENOSPC

    def as_env(self) -> dict[str, str]:
        return {"AUTOGRADER_LIMITS": json.dumps(self.__dict__)}

    @classmethod
    def from_env(cls) -> "Limits":
        raw = os.environ.get("AUTOGRADER_LIMITS")
        return cls(**json.loads(raw)) if raw else cls()


@functools.lru_cache(maxsize=None)
def bwrap_sizes_tmpfs() -> bool:
    """Whether the installed bubblewrap has ``--size`` for ``--tmpfs`` (bubblewrap >= 0.7)."""
    try:
        return "--size" in subprocess.run(["bwrap", "--help"], capture_output=True, text=True).stdout
    except OSError:
        return False


def limits_in_force(limits: Limits, kernel_factory: bool = True) -> str:
    """What bounds one kernel's /tmp and processes here, and how (for the grader's log and benchmarks)."""
    if kernel_factory:
        tmp = f"/tmp/work: tmpfs size={limits.tmp_bytes} per kernel (mounted by the kernel factory)"
    elif bwrap_sizes_tmpfs():
        tmp = f"/tmp/work: tmpfs size={limits.tmp_bytes} per kernel (bwrap --size)"
    else:
        tmp = (f"/tmp/work: NOT size-limited (this bwrap has no --size; needs bubblewrap >= 0.7), "
               f"only each file to {limits.file_bytes} bytes")
    release = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])
    if release >= (5, 14):
        procs = (f"processes: RLIMIT_NPROC={limits.processes} per kernel (own user namespace, Linux "
                 f"{os.uname().release} counts per namespace), {limits.all_processes} for all kernels together")
    else:
        procs = (f"processes: RLIMIT_NPROC={limits.processes} counted for ALL kernels together "
                 f"(Linux {os.uname().release} < 5.14 counts per user, not per namespace)")
    return f"{tmp}; {procs}"


def available() -> str | None:
    """None when sandboxing works here, else why not."""
    if not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed: `apt-get install bubblewrap` (make system-deps does it)"
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "setpriv (util-linux) is missing"
    return None


def _dirs_above(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if p != Path("/")]


def readonly_paths() -> list[Path]:
    """What the kernel needs to read: the Python installation, the venv, the course package."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    import llm_shikumi

    paths.add(Path(llm_shikumi.__file__).resolve().parent)
    for key in ("purelib", "platlib"):
        paths.add(Path(sysconfig.get_paths()[key]).resolve())
    # keep only the outermost of nested paths
    ordered = sorted(paths, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in ordered:
        if p.exists() and not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


ZYGOTE_IN_SANDBOX = "/opt/autograder/zygote.py"


def bwrap_command(kernel_dir: Path, limits: Limits, python_args: list[str],
                  extra_env: dict[str, str] | None = None) -> list[str]:
    """``python *python_args`` in the sandbox, with ``kernel_dir`` the only writable host folder."""
    as_root = os.geteuid() == 0
    cmd = ["bwrap", "--die-with-parent", "--new-session",
           "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        cmd.append("--unshare-user")
    cmd += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / name
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), str(target)]
        elif target.exists():
            cmd += ["--ro-bind", str(target), str(target)]
    cmd += ["--perms", "0755", "--dir", "/etc"]  # bwrap would create it 0700: unreadable for nobody
    for etc in ("ld.so.cache", "passwd", "group", "nsswitch.conf", "localtime", "fonts"):
        if (Path("/etc") / etc).exists():
            cmd += ["--ro-bind", f"/etc/{etc}", f"/etc/{etc}"]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--perms", "1777", "--tmpfs", "/tmp"]
    created: set[Path] = {Path("/tmp")}
    for path in [*readonly_paths(), kernel_dir]:
        for parent in _dirs_above(path):
            if parent not in created and str(parent) not in ("/usr", "/tmp"):
                cmd += ["--perms", "0755", "--dir", str(parent)]
                created.add(parent)
    for path in readonly_paths():
        cmd += ["--ro-bind", str(path), str(path)]
    cmd += ["--bind", str(kernel_dir), str(kernel_dir)]
    # The kernel factory's code, and only that file of the grader (its folder holds the sources).
    cmd += ["--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", "/opt/autograder",
            "--ro-bind", str(Path(__file__).with_name("zygote.py")), ZYGOTE_IN_SANDBOX]
    # /tmp itself is read-only (the repository or venv may live under /tmp and is bound there);
    # the kernel writes in /tmp/work, its own tmpfs (the kernel factory mounts a fresh one per kernel).
    size = ["--size", str(limits.tmp_bytes)] if bwrap_sizes_tmpfs() else []
    cmd += ["--perms", "1777", *size, "--tmpfs", "/tmp/work", "--remount-ro", "/tmp", "--chdir", "/tmp/work"]
    cmd += ["--clearenv", "--setenv", "HOME", "/tmp/work", "--setenv", "TMPDIR", "/tmp/work", "--setenv", "PATH", f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
            "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONHASHSEED", "0", "--setenv", "MPLBACKEND", "Agg",
            "--setenv", "HF_HUB_OFFLINE", "1", "--setenv", "TRANSFORMERS_OFFLINE", "1",
            "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "MKL_NUM_THREADS", "1",
            "--setenv", "MPLCONFIGDIR", "/tmp/work/.matplotlib", "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    for key, value in (extra_env or {}).items():
        cmd += ["--setenv", key, value]
    if as_root:
        cmd += ["--cap-add", "CAP_SETUID,CAP_SETGID", "--",
                "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--"]
    else:
        cmd += ["--"]
    cmd += ["prlimit", f"--as={limits.memory_bytes}", f"--fsize={limits.file_bytes}",
            f"--nofile={limits.open_files}", f"--nproc={limits.all_processes}", "--core=0", "--"]
    if python_args[:1] != [ZYGOTE_IN_SANDBOX]:
        # A single kernel: its own user namespace (no uid map: it stays nobody), so that its own
        # RLIMIT_NPROC counts its own processes only. (The factory does this for each kernel it forks.)
        cmd += ["unshare", "--user", "--", "prlimit", f"--nproc={limits.processes}", "--"]
    cmd += [str(Path(sys.prefix) / "bin" / "python"), *python_args]
    return cmd


def install_kernelspec(jupyter_data_dir: Path) -> None:
    """Write the sandbox kernelspec under ``jupyter_data_dir/kernels`` (put that dir on JUPYTER_PATH)."""
    folder = Path(jupyter_data_dir) / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "autograder.sandbox", "{connection_file}"],
        "display_name": "Python 3 (autograder sandbox)",
        "language": "python",
        # bubblewrap does not forward SIGINT: interrupt through the control channel.
        "interrupt_mode": "message",
        "env": {"PYTHONPATH": str(ROOT)},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose connection file and sockets live in a private folder per kernel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._private_dir = self._make_private_dir()
        self.transport = "ipc"
        self.ip = str(self._private_dir / "kernel")
        self.connection_file = str(self._private_dir / "connection.json")

    def _make_private_dir(self) -> Path:
        folder = Path(tempfile.mkdtemp(prefix="ag-kernel-", dir=os.environ.get("AUTOGRADER_KERNEL_DIR")))
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)  # the kernel (nobody) creates its sockets here
        folder.chmod(0o700)
        return folder

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._private_dir, ignore_errors=True)


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m autograder.sandbox CONNECTION_FILE")
    connection_file = Path(argv[0]).resolve()
    if os.geteuid() == 0:
        os.chown(connection_file, NOBODY, NOBODY)
    os.environ.pop("JPY_PARENT_PID", None)  # ipykernel exits when it cannot see this parent
    cmd = bwrap_command(connection_file.parent, Limits.from_env(), ["-m", "ipykernel_launcher", "-f", str(connection_file)])
    # The kernel's own console output (banner, warnings) is not the notebook's output: drop it.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])

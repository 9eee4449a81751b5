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

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any

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

    def to_json(self) -> str:
        """How the limits travel to the kernel launcher and the kernel factory (on their command line)."""
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Limits":
        return cls(**json.loads(text))


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
        return ("bubblewrap (bwrap) がインストールされていません: `apt-get install bubblewrap` で入れてください "
                "(make system-deps も入れます) / bubblewrap is not installed")
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "setpriv (util-linux) がありません: `apt-get install util-linux` / setpriv is missing"
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


# The kernel factory's code (autograder/kernel_factory.py), bound read-only into its sandbox under this path.
FACTORY_SOURCE = Path(__file__).with_name("kernel_factory.py")
FACTORY_IN_SANDBOX = "/opt/autograder/kernel_factory.py"


def bwrap_command(kernel_dir: Path, limits: Limits, python_args: list[str], env: dict[str, str]) -> list[str]:
    """``python *python_args`` in the sandbox, with ``kernel_dir`` the only writable host folder and
    ``env`` its whole environment (``GraderSettings.kernel_env()``)."""
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
            "--ro-bind", str(FACTORY_SOURCE), FACTORY_IN_SANDBOX]
    # /tmp itself is read-only (the repository or venv may live under /tmp and is bound there);
    # the kernel writes in /tmp/work, its own tmpfs (the kernel factory mounts a fresh one per kernel).
    size = ["--size", str(limits.tmp_bytes)] if bwrap_sizes_tmpfs() else []
    cmd += ["--perms", "1777", *size, "--tmpfs", "/tmp/work", "--remount-ro", "/tmp", "--chdir", "/tmp/work"]
    cmd += ["--clearenv"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    if as_root:
        cmd += ["--cap-add", "CAP_SETUID,CAP_SETGID", "--",
                "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--"]
    else:
        cmd += ["--"]
    cmd += ["prlimit", f"--as={limits.memory_bytes}", f"--fsize={limits.file_bytes}",
            f"--nofile={limits.open_files}", f"--nproc={limits.all_processes}", "--core=0", "--"]
    if python_args[:1] != [FACTORY_IN_SANDBOX]:
        # A single kernel: its own user namespace (no uid map: it stays nobody), so that its own
        # RLIMIT_NPROC counts its own processes only. (The factory does this for each kernel it forks.)
        cmd += ["unshare", "--user", "--", "prlimit", f"--nproc={limits.processes}", "--"]
    cmd += [str(Path(sys.prefix) / "bin" / "python"), *python_args]
    return cmd


def launcher_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a process the grader starts on the host (kernel launcher, factory's
    bubblewrap): just enough to find programs and the autograder package, never the grader's own."""
    return {"PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT), **(extra or {})}


def kernel_spec(limits: Limits, env: dict[str, str]) -> KernelSpec:
    """The sandbox's kernelspec, built in code (no kernel.json on a JUPYTER_PATH): the launcher
    ``python -m autograder.sandbox`` gets the limits and the kernel's environment on its command line."""
    return KernelSpec(
        argv=[sys.executable, "-m", "autograder.sandbox", "--limits", limits.to_json(), "--env", json.dumps(env),
              "{connection_file}"],
        display_name="Python 3 (autograder sandbox)", language="python",
        # bubblewrap does not forward SIGINT: interrupt through the control channel.
        interrupt_mode="message", env={}, name=KERNEL_NAME)


class ExplicitEnvKernelManager(AsyncKernelManager):
    """A kernel manager that starts its kernel with an environment built from its ``settings``
    (:meth:`kernel_environment`) instead of whatever the grader's ``os.environ`` holds at that moment.
    Used as it is for unsandboxed grading (``--no-sandbox``)."""

    settings = Any(None, allow_none=True, help="the run's GraderSettings (autograder.settings)").tag(config=True)

    def _settings(self):
        if self.settings is None:
            from autograder.settings import GraderSettings

            self.settings = GraderSettings()
        return self.settings

    def kernel_environment(self) -> dict[str, str]:
        # without the sandbox: a copy of the grader's environment (read, never changed) and the offline flags
        return {**os.environ, **self._settings().offline_env()}

    async def _async_pre_start_kernel(self, **kw):
        kw["env"] = self.kernel_environment()
        return await super()._async_pre_start_kernel(**kw)


class SandboxKernelManager(ExplicitEnvKernelManager):
    """A kernel manager whose connection file and sockets live in a private folder per kernel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._private_dir = self._make_private_dir()
        self.transport = "ipc"
        self.ip = str(self._private_dir / "kernel")
        self.connection_file = str(self._private_dir / "connection.json")
        self.kernel_name = KERNEL_NAME
        self._kernel_spec = kernel_spec(self._settings().limits, self._settings().kernel_env())

    def kernel_environment(self) -> dict[str, str]:
        return launcher_env()

    def _make_private_dir(self) -> Path:
        kernel_dir = self._settings().kernel_dir
        folder = Path(tempfile.mkdtemp(prefix="ag-kernel-", dir=str(kernel_dir) if kernel_dir else None))
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)  # the kernel (nobody) creates its sockets here
        folder.chmod(0o700)
        return folder

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._private_dir, ignore_errors=True)


def main(argv: list[str]) -> None:
    """The kernel launcher (a host process of its own): ``--limits JSON --env JSON CONNECTION_FILE``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox")
    parser.add_argument("--limits", type=Limits.from_json, default=Limits())
    parser.add_argument("--env", type=json.loads, required=True, help="the kernel's whole environment")
    parser.add_argument("connection_file", type=Path)
    args = parser.parse_args(argv)
    connection_file = args.connection_file.resolve()
    if os.geteuid() == 0:
        os.chown(connection_file, NOBODY, NOBODY)
    cmd = bwrap_command(connection_file.parent, args.limits, ["-m", "ipykernel_launcher", "-f", str(connection_file)],
                        env=args.env)
    # The kernel's own console output (banner, warnings) is not the notebook's output: drop it.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])

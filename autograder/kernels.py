"""Host side of the kernel factory (see :mod:`autograder.zygote`).

:class:`Zygote` starts the factory once per grading process, inside the same bubblewrap sandbox a
single kernel would get, and asks it for kernels. :class:`ZygoteKernelManager` is a Jupyter kernel
manager whose kernels come from that factory: nbgrader's Execute uses it like any other, through
the ordinary connection file and ``ipc`` sockets.
"""
from __future__ import annotations

import atexit
import itertools
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

from autograder.sandbox import NOBODY, ZYGOTE_IN_SANDBOX, Limits, SandboxKernelManager, bwrap_command


class Zygote:
    """One kernel factory process, sandboxed, serving kernels one at a time."""

    def __init__(self, control_dir: Path, limits: Limits):
        self.dir = Path(control_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(self.dir, NOBODY, NOBODY)
        self.dir.chmod(0o700)
        self.socket_path = self.dir / "zygote.sock"
        self._counter = itertools.count()
        self.limits = limits
        argv = [ZYGOTE_IN_SANDBOX, str(self.dir)]
        env = {**os.environ, **limits.as_env()}
        self.process = subprocess.Popen(bwrap_command(self.dir, limits, argv, extra_env=limits.as_env()),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 120
        while not self.socket_path.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandboxed kernel factory did not start")
            time.sleep(0.05)
        atexit.register(self.close)

    def request(self, **message) -> dict:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(self.socket_path))
            s.sendall((json.dumps(message) + "\n").encode())
            return json.loads(s.makefile().readline())

    def new_kernel_dir(self) -> Path:
        folder = self.dir / f"kernel-{next(self._counter)}"
        folder.mkdir()
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)
        return folder

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


_zygote: Zygote | None = None
_zygote_settings: tuple[Path, Limits] | None = None


# Control folders must not be under /tmp: every kernel mounts its own empty /tmp over it.
KERNEL_ROOT = Path(os.environ.get("AUTOGRADER_KERNEL_ROOT", "/var/tmp/autograder"))


def configure(limits: Limits) -> None:
    """The limits of this process's factory; it starts on first use."""
    global _zygote_settings
    KERNEL_ROOT.mkdir(parents=True, exist_ok=True)
    _zygote_settings = (KERNEL_ROOT, limits)
    for stale in KERNEL_ROOT.glob("zygote-*"):  # left by a grader that was killed
        try:
            os.kill(int(stale.name.split("-")[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except (ValueError, PermissionError):
            pass


def current_zygote() -> Zygote:
    global _zygote
    if _zygote is None or not _zygote.alive() or _zygote_pid != os.getpid():
        _start()
    return _zygote


_zygote_pid = None


def _start() -> None:
    global _zygote, _zygote_pid
    root, limits = _zygote_settings
    _zygote = Zygote(root / f"zygote-{os.getpid()}-{uuid.uuid4().hex[:8]}", limits)
    _zygote_pid = os.getpid()


class ZygoteProcess:
    """Looks like subprocess.Popen to jupyter_client; talks to the factory."""

    stdin = stdout = stderr = None

    def __init__(self, zygote: Zygote, pid: int):
        self.zygote, self.pid = zygote, pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            if not self.zygote.alive():
                self.returncode = -9
            else:
                self.returncode = self.zygote.request(cmd="poll", pid=self.pid)["exit"]
        return self.returncode

    def wait(self, timeout=None):
        while self.poll() is None:
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.zygote.alive():
            self.zygote.request(cmd="signal", pid=self.pid, signal=int(signum))

    def kill(self) -> None:
        self.send_signal(9)

    def terminate(self) -> None:
        self.send_signal(15)


class ZygoteProvisioner(LocalProvisioner):
    async def launch_kernel(self, cmd, **kwargs):
        connection_file = Path(self.parent.connection_file)
        if os.geteuid() == 0:
            os.chown(connection_file, NOBODY, NOBODY)
        zygote = self.parent.zygote
        self.process = ZygoteProcess(zygote, zygote.request(cmd="spawn", connection_file=str(connection_file))["pid"])
        self.pid, self.pgid = self.process.pid, None
        return self.connection_info


class QuickStartClient(AsyncKernelClient):
    """jupyter_client's wait_for_ready always idles 0.2 s flushing IOPub, and more when IOPub joins
    late. Here: ready as soon as the kernel_info reply and an IOPub message have arrived; leftover
    IOPub messages are drained without waiting (nbclient ignores messages of other requests anyway)."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else 60)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=0.5)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.5)  # IOPub is connected
                except Empty:
                    continue
                self._handle_kernel_info_reply(reply)
                break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break


class ZygoteKernelManager(SandboxKernelManager):
    """Kernels forked by the sandboxed factory; connection file and sockets in a private folder
    inside the factory's control folder (the only host folder its sandbox can write)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_factory = QuickStartClient

    def _make_private_dir(self) -> Path:
        self.zygote = current_zygote()
        return self.zygote.new_kernel_dir()

    async def _async_pre_start_kernel(self, **kw):
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        if self.provisioner is None:
            self.provisioner = ZygoteProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

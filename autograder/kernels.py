"""Host side of the kernel factory (its code inside the sandbox is ``autograder/kernel_factory.py``).

:class:`KernelFactory` is one sandboxed factory process per grading process, started on first use
inside the same bubblewrap sandbox a single kernel would get, and asked for kernels.
:class:`KernelFactoryKernelManager` is a Jupyter kernel manager whose kernels come from that factory:
nbgrader's Execute uses it like any other, through the ordinary connection file and ``ipc`` sockets.
The factory object reaches the kernel managers nbgrader creates through nbgrader's traitlets
configuration (``KernelFactoryKernelManager.kernel_factory``), never through a global.
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
from traitlets import Any

from autograder.sandbox import FACTORY_IN_SANDBOX, NOBODY, SandboxKernelManager, bwrap_command, launcher_env
from autograder.settings import GraderSettings


def remove_stale_control_folders(root: Path) -> None:
    """Control folders left by a grader that was killed (their process is gone)."""
    for stale in Path(root).glob("factory-*"):
        try:
            os.kill(int(stale.name.split("-")[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except (ValueError, PermissionError):
            pass


class KernelFactory:
    """The kernel factory of one grading process: a sandboxed process that has imported the heavy
    libraries and forks a fresh, isolated kernel for every submission.

    Started on first use (a forked worker process starts its own), restarted when it died, stopped
    by :meth:`close` or when the grading process exits (``--die-with-parent``)."""

    def __init__(self, settings: GraderSettings):
        self.settings = settings
        self._process: subprocess.Popen | None = None
        self._pid: int | None = None  # the grading process that started it
        self._counter = itertools.count()
        self.dir: Path | None = None

    def __deepcopy__(self, memo):
        return self  # a handle on a live process: traitlets deep-copies configuration values

    def _start(self) -> None:
        root = Path(self.settings.kernel_root)
        root.mkdir(parents=True, exist_ok=True)
        remove_stale_control_folders(root)
        self.dir = root / f"factory-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            os.chown(self.dir, NOBODY, NOBODY)
        self.dir.chmod(0o700)
        socket_path = self.dir / "factory.sock"
        argv = [FACTORY_IN_SANDBOX, str(self.dir), self.settings.limits.to_json()]
        self._process = subprocess.Popen(bwrap_command(self.dir, self.settings.limits, argv, env=self.settings.kernel_env()),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, env=launcher_env())
        self._pid = os.getpid()
        atexit.register(self.close)
        deadline = time.monotonic() + 120
        while not socket_path.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("サンドボックスのカーネルファクトリーが起動しませんでした "
                                   "(the sandboxed kernel factory did not start)")
            time.sleep(0.05)

    def ensure_running(self) -> None:
        if self._process is None or self._pid != os.getpid() or self._process.poll() is not None:
            self._process = None  # a parent's factory (after fork) is not ours to use
            self._start()

    @property
    def socket_path(self) -> Path:
        return self.dir / "factory.sock"

    def request(self, **message) -> dict:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(self.socket_path))
            s.sendall((json.dumps(message) + "\n").encode())
            return json.loads(s.makefile().readline())

    def new_kernel_dir(self) -> Path:
        self.ensure_running()
        folder = self.dir / f"kernel-{next(self._counter)}"
        folder.mkdir()
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)
        return folder

    def alive(self) -> bool:
        return self._process is not None and self._pid == os.getpid() and self._process.poll() is None

    def close(self) -> None:
        if self._process is not None and self._pid == os.getpid():
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            if self.dir is not None:
                shutil.rmtree(self.dir, ignore_errors=True)
        self._process = None


class FactoryKernelProcess:
    """Looks like subprocess.Popen to jupyter_client; talks to the factory about one of its kernels."""

    stdin = stdout = stderr = None

    def __init__(self, factory: KernelFactory, pid: int):
        self.factory, self.pid = factory, pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            if not self.factory.alive():
                self.returncode = -9
            else:
                self.returncode = self.factory.request(cmd="poll", pid=self.pid)["exit"]
        return self.returncode

    def wait(self, timeout=None):
        while self.poll() is None:
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.factory.alive():
            self.factory.request(cmd="signal", pid=self.pid, signal=int(signum))

    def kill(self) -> None:
        self.send_signal(9)

    def terminate(self) -> None:
        self.send_signal(15)


class KernelFactoryProvisioner(LocalProvisioner):
    async def launch_kernel(self, cmd, **kwargs):
        connection_file = Path(self.parent.connection_file)
        if os.geteuid() == 0:
            os.chown(connection_file, NOBODY, NOBODY)
        factory = self.parent.kernel_factory
        self.process = FactoryKernelProcess(factory, factory.request(cmd="spawn", connection_file=str(connection_file))["pid"])
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


class KernelFactoryKernelManager(SandboxKernelManager):
    """Kernels forked by the sandboxed kernel factory; connection file and sockets in a private folder
    inside the factory's control folder (the only host folder its sandbox can write)."""

    kernel_factory = Any(None, allow_none=True, help="the grading process's KernelFactory").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_factory = QuickStartClient

    def _make_private_dir(self) -> Path:
        if self.kernel_factory is None:
            raise RuntimeError("KernelFactoryKernelManager needs its kernel_factory (set through the configuration)")
        return self.kernel_factory.new_kernel_dir()

    async def _async_pre_start_kernel(self, **kw):
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        if self.provisioner is None:
            self.provisioner = KernelFactoryProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

"""The kernel factory that runs inside the sandbox: import the heavy libraries once, then fork a
fresh, isolated kernel process for every submission.

Started by :class:`autograder.kernels.KernelFactory` as ``python kernel_factory.py CONTROL_DIR LIMITS_JSON``
inside bubblewrap (as ``nobody``, no network, read-only system). It listens on ``CONTROL_DIR/factory.sock``
for one JSON request per connection:

    {"cmd": "spawn", "connection_file": PATH}  -> {"pid": PID}
    {"cmd": "poll", "pid": PID}                -> {"exit": null | CODE}
    {"cmd": "signal", "pid": PID, "signal": N} -> {"ok": true}

A spawned kernel gets its own user, mount and PID namespaces: a fresh empty ``/tmp/work`` that no other
submission sees, no view of the factory or of other kernels, and when it ends every process it
started ends with it. It also gets the resource limits, then becomes an ordinary ipykernel.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import resource
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38

# Imported once here so that no kernel pays for them; what the course's exercises import.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "debugpy",
           "IPython", "IPython.core.interactiveshell", "IPython.core.completer", "psutil", "sqlite3", "pdb",
           "numpy", "fugashi", "unidic_lite",
           "torch", "matplotlib", "matplotlib.pyplot", "llm_shikumi")

libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _bind(source: str, target: str) -> None:
    _check(libc.mount(source.encode(), target.encode(), None, MS_BIND, None), f"bind {source}")


def _isolate(limits: dict, control_dir: str, kernel_dir: str) -> None:
    """In the forked child: new namespaces, private /tmp/work, limits. Ends as PID 1 of its namespace."""
    os.setsid()
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # the factory is not dumpable; /proc/self must be ours again
    uid, gid = os.getuid(), os.getgid()
    _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    pid = os.fork()  # the next process is PID 1 of the new PID namespace
    if pid:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the factory's child dies: so does the kernel
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    # A fresh, empty scratch folder that no other submission sees. (/tmp itself is read-only: the
    # repository or the Python environment may be bound below it.)
    # Its size is the kernel's /tmp limit (a full one raises ENOSPC); RLIMIT_NPROC, set below after
    # unshare(CLONE_NEWUSER), counts this kernel's own user namespace only (Linux >= 5.14).
    tmp_bytes = int(limits.get("tmp_bytes", 512 * 1024**2))
    _check(libc.mount(b"tmpfs", b"/tmp/work", b"tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={tmp_bytes}".encode()),
           "mount /tmp/work")
    # Hide the factory's control folder (its socket, other kernels' folders), keeping only this
    # kernel's own folder at its path: park it, cover the control folder, put it back.
    parking = "/tmp/work/.kernel"
    os.makedirs(parking)
    _bind(kernel_dir, parking)
    _check(libc.mount(b"tmpfs", control_dir.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755,size=1m"),
           "cover the control folder")
    os.makedirs(kernel_dir)
    _bind(parking, kernel_dir)
    _check(libc.umount2(parking.encode(), 0), "unpark the kernel folder")
    os.rmdir(parking)
    os.makedirs("/tmp/work/.matplotlib")
    os.chdir("/tmp/work")
    for name, value in (("RLIMIT_AS", limits["memory_bytes"]), ("RLIMIT_FSIZE", limits["file_bytes"]),
                        ("RLIMIT_NOFILE", limits["open_files"]), ("RLIMIT_NPROC", limits["processes"]),
                        ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _drop_capabilities()


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """The new user namespace gave this process every capability inside it (needed to mount /tmp/work);
    the kernel keeps none, so it cannot undo the mounts."""
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "drop capabilities")


def _run_kernel(connection_file: str, limits: dict, control_dir: str) -> None:
    try:
        _isolate(limits, control_dir, os.path.dirname(connection_file))
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = ["ipykernel_launcher", "-f", connection_file]
        app = IPKernelApp.instance()
        app.initialize(sys.argv[1:])
        app.start()
    except BaseException:  # say why in the kernel's folder, where the grader can read it
        import traceback

        try:
            _write(os.path.join(os.path.dirname(connection_file), "startup-error.txt"), traceback.format_exc())
        except OSError:
            pass
    finally:
        os._exit(1)


def serve(control_dir: str, limits_json: str) -> None:
    limits = json.loads(limits_json)
    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # kernels may not read this process's memory
    children: dict[int, int | None] = {}
    path = os.path.join(control_dir, "factory.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    os.rename(path + ".tmp", path)  # appears only when ready
    server.listen(16)
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile().readline())
            if request["cmd"] == "spawn":
                pid = os.fork()
                if pid == 0:
                    server.close()
                    conn.close()
                    _run_kernel(request["connection_file"], limits, control_dir)
                children[pid] = None
                reply = {"pid": pid}
            elif request["cmd"] == "poll":
                pid = request["pid"]
                if children.get(pid) is None and pid in children:
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        children[pid] = os.waitstatus_to_exitcode(status)
                reply = {"exit": children.get(pid, 0)}
            elif request["cmd"] == "signal":
                if request["pid"] in children and children[request["pid"]] is None:
                    try:
                        os.kill(request["pid"], request["signal"])
                    except ProcessLookupError:
                        pass
                reply = {"ok": True}
            else:
                reply = {"error": f"unknown command {request['cmd']!r}"}
            conn.sendall((json.dumps(reply) + "\n").encode())


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])

"""A throwaway PostgreSQL server for the tests: Debian's postgresql binaries, a data folder in a
temporary directory, listening on 127.0.0.1 only, stopped at the end."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make system-deps` (installs Debian's postgresql)")
    return found[-1]


@contextmanager
def postgres_server():
    """Yields a URL ``postgresql://postgres@127.0.0.1:PORT/gradebook``."""
    # Not under pytest's tmp_path: its parents are private to root, and the server is not root.
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    # PostgreSQL refuses to run as root: run it as the 'postgres' user the Debian package creates.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data, sockets = folder / "data", folder / "sockets"
    for d in (data, sockets):
        d.mkdir(parents=True)
        if as_user:
            shutil.chown(d, "postgres", "postgres")
    if as_user:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run([*as_user, _bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    port = _free_port()
    subprocess.run([*as_user, _bin("pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                    f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets}", "start"],
                   check=True, capture_output=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            done = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c",
                                   "CREATE DATABASE gradebook"], capture_output=True)
            if done.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*as_user, _bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)

"""Drift check of the online paths, for a machine WITH internet: `make check-online` (not part of `make test`).

The book is built and tested offline with pinned packages. What a reader meets online is different:
Colab's current packages, the set-up cell installing `llm_shikumi` from the repository, and the cells
that load pretrained models from the Hugging Face Hub (`llm_shikumi.hub`). This script

1. checks that the repository named in `_config.yml` can be reached (else it stops at once, exit 2,
   saying so: offline there is nothing to check);
2. makes a fresh virtual environment with the *current* (unpinned) releases of what Colab preinstalls
   (torch, numpy, matplotlib, transformers) plus a Jupyter kernel;
3. runs the Colab set-up cell there as Colab would (with a `google.colab` module present), so its
   `%pip install ... "llm-shikumi @ git+<repository>"` really runs;
4. executes every chapter in that environment with the network allowed (HF_HUB_OFFLINE unset) and
   reports, per chapter, whether it ran and, for each online-only cell (one that uses `llm_shikumi.hub`
   or is tagged `online`), whether it got its model or printed the offline fallback.

Exit 0 when everything ran and every online-only cell got its model; 1 when something broke; 2 offline.
Usage: python tools/check_online.py [--keep] [--timeout SECONDS]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

# What Colab has preinstalled that the chapters import (the set-up cell adds the rest).
COLAB_PREINSTALLED = ["torch", "numpy", "matplotlib", "transformers", "ipykernel", "nbclient", "nbformat"]
# What llm_shikumi.hub prints when it could not load a model (its offline fallback).
FALLBACK_MARK = "読み込めませんでした"
ONLINE_TAG = "online"
_HUB_CALL = re.compile(r"\bhub\.\w+\(")  # hub.load_causal_lm(...) after `from llm_shikumi import hub`


def repository_url() -> str:
    import yaml

    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]


def preflight(url: str, timeout: float = 30) -> str | None:
    """None when `git ls-remote url` answers within `timeout` seconds, else why not (one sentence)."""
    try:
        result = subprocess.run(["git", "ls-remote", "--heads", url], capture_output=True, text=True,
                                timeout=timeout, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    except subprocess.TimeoutExpired:
        return f"no answer from {url} within {timeout:.0f} s"
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["git ls-remote failed"])[-1]
        return f"cannot reach {url}: {reason}"
    return None


def online_cells(nb: dict) -> list[int]:
    """Indices of the cells that need the network: they use llm_shikumi.hub or are tagged `online`."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        tags = cell.get("metadata", {}).get("tags", [])
        if ONLINE_TAG in tags or "llm_shikumi.hub" in source or _HUB_CALL.search(source):
            found.append(i)
    return found


def cell_text(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        parts.append("".join(text) if isinstance(text, list) else str(text))
    return "\n".join(parts)


# --------------------------------------------------------------------------- inside the fresh venv

def run_setup_cell(source: str) -> None:
    """Run the Colab set-up cell as Colab would: IPython, with a `google.colab` module present."""
    import types

    from IPython.core.interactiveshell import InteractiveShell

    sys.modules["google.colab"] = types.ModuleType("google.colab")
    result = InteractiveShell.instance().run_cell(source)
    if not result.success:
        raise SystemExit(f"the Colab set-up cell failed: {result.error_in_exec or result.error_before_exec}")


def execute_chapters(timeout: int) -> list[dict]:
    """Execute every chapter (set-up cell skipped: already run) with the network allowed."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from book_tools.colab import CELL_TAG

    reports = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if CELL_TAG not in c.get("metadata", {}).get("tags", [])]
        online = online_cells(nb)
        report = {"chapter": path.name, "error": None, "online": []}
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except CellExecutionError as error:
            report["error"] = str(error).strip().splitlines()[-1][:300]
        except Exception as error:  # noqa: BLE001  (a kernel that died, a timeout: report, go on)
            report["error"] = f"{type(error).__name__}: {error}"[:300]
        for i in online:
            cell = nb.cells[i]
            ran = cell.get("execution_count") is not None
            text = cell_text(cell)
            status = ("not run" if not ran else "fallback (no model)" if FALLBACK_MARK in text
                      else "error" if any(o.get("output_type") == "error" for o in cell.get("outputs", [])) else "ok")
            first = ("".join(cell.source) if isinstance(cell.source, list) else cell.source).strip().splitlines()[0][:70]
            report["online"].append({"cell": i, "status": status, "source": first})
        reports.append(report)
    return reports


# --------------------------------------------------------------------------- driver

def main() -> int:
    parser = argparse.ArgumentParser(description="drift check of the Colab set-up cell and the online-only cells")
    parser.add_argument("--keep", action="store_true", help="keep the fresh virtual environment")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # internal: run inside the fresh venv
    args = parser.parse_args()

    from book_tools.colab import setup_cell_source

    if args.inside:
        run_setup_cell(setup_cell_source(repository_url()))
        Path(args.inside).write_text(json.dumps(execute_chapters(args.timeout), ensure_ascii=False), encoding="utf-8")
        return 0

    url = repository_url()
    problem = preflight(url)
    if problem:
        print(f"check-online: {problem}.\nThis check needs the internet (the package index, {url} and the "
              "Hugging Face Hub); it is not part of `make test`. Run it where the network is.", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="check-online-"))
    venv, results = work / "venv", work / "results.json"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade"]
        subprocess.run(pip + ["pip"], check=True)
        subprocess.run(pip + COLAB_PREINSTALLED + ["pyyaml"], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
                       check=True, stdout=subprocess.DEVNULL)
        env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PYTHONPATH")}
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        inside = subprocess.run([str(venv / "bin" / "python"), __file__, "--inside", str(results),
                                 "--timeout", str(args.timeout)], env=env, cwd=work)
        if inside.returncode != 0 or not results.exists():
            print(f"check-online: the set-up in the fresh environment failed (exit {inside.returncode})", file=sys.stderr)
            return 1
        reports = json.loads(results.read_text(encoding="utf-8"))
        versions = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
        print("fresh environment:", ", ".join(l for l in versions.splitlines()
                                               if l.split("==")[0].lower() in {"torch", "numpy", "matplotlib", "transformers", "llm-shikumi", "fugashi"}))
        broken = 0
        for report in reports:
            state = "ok" if not report["error"] else f"FAILED: {report['error']}"
            broken += bool(report["error"])
            print(f"{report['chapter']:40s} {state}")
            for cell in report["online"]:
                broken += cell["status"] != "ok"
                print(f"    online cell {cell['cell']:3d} {cell['status']:20s} {cell['source']}")
        print("nothing broke" if not broken else f"{broken} problem(s)")
        return 0 if not broken else 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

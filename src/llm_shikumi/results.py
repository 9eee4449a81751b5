"""Results of one chapter's run that a later chapter reports again (the course's bits-per-character table).

Chapter 10 compares the GPT with the RNN of chapter 05 on the same held-out text. Training the RNN
again would double chapter 10's cost, so chapter 05 stores what its run measured with :func:`store`,
and chapter 10 asks for it with :func:`remember`, which recomputes it (with the same function and the
same settings) when nothing stored matches. A stored result is only reused when everything that
produced it is unchanged: the name, the settings, the source files of the code that ran and the
corpus file. So a number in a later chapter always comes from a run of the current code.

Results live in ``$LLM_SHIKUMI_CACHE`` (default ``~/.cache/llm_shikumi/results``) as small JSON files.
This is the course's one disk cache: the N-gram table of chapter 02 (:func:`llm_shikumi.ngram.novel_results`)
is kept the same way. With ``LLM_SHIKUMI_NO_CACHE`` set nothing is read or written (every run computes),
and a cache directory that cannot be written only means the values are not kept.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from llm_shikumi import novel


def cache_dir() -> Path:
    root = os.environ.get("LLM_SHIKUMI_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "llm_shikumi" / "results"


def fingerprint(name: str, settings: Mapping[str, Any], modules: Iterable[ModuleType]) -> str:
    """A hash of the name, the settings, the source of ``modules`` and the corpus file."""
    h = hashlib.sha256()
    h.update(name.encode())
    h.update(json.dumps(dict(settings), sort_keys=True, default=str).encode())
    for module in sorted(modules, key=lambda m: m.__name__):
        h.update(inspect.getsource(module).encode())
    h.update(novel.NOVEL_PATH.read_bytes())
    return h.hexdigest()[:16]


def _path(name: str, key: str) -> Path:
    return cache_dir() / f"{name}-{key}.json"


def cache_path(name: str, settings: Mapping[str, Any], modules: Iterable[ModuleType]) -> Path | None:
    """The file that keeps the run (``name``, ``settings``, ``modules``), or None when
    ``LLM_SHIKUMI_NO_CACHE`` is set (the cache is switched off)."""
    if os.environ.get("LLM_SHIKUMI_NO_CACHE"):
        return None
    return _path(name, fingerprint(name, settings, modules))


def store(name: str, settings: Mapping[str, Any], modules: Iterable[ModuleType], values: Mapping[str, float]) -> None:
    """Keep ``values`` (plain numbers, or lists and dicts of them) measured by a run of ``modules`` with
    ``settings``. Nothing happens when the cache is off or its directory cannot be written."""
    path = cache_path(name, settings, modules)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"name": name, "settings": dict(settings), "values": dict(values)},
                                  ensure_ascii=False, indent=1, default=str))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: the values are simply not kept


def remember(name: str, settings: Mapping[str, Any], modules: Iterable[ModuleType],
             compute: Callable[[], Mapping[str, float]]) -> tuple[dict[str, float], bool]:
    """The stored values of the run (``name``, ``settings``, ``modules``), or ``compute()`` stored now.

    Returns ``(values, reused)``: ``reused`` says whether they were read from an earlier run.
    """
    modules = list(modules)
    path = cache_path(name, settings, modules)
    if path is not None and path.exists():
        try:
            return dict(json.loads(path.read_text())["values"]), True
        except (OSError, ValueError, KeyError):
            pass  # a damaged file: compute again
    values = dict(compute())
    store(name, settings, modules, values)
    return values, False

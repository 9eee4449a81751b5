"""``python -m autograder publish DIR``: the course as students may read it.

The instructor's repository holds the exercise sources (solutions, hidden tests) and the wrong
solutions under ``autograder/source``, and the grader's own tests and fixtures. The published tree
holds only what a student needs: the chapters, the student versions of the exercises, the course
package, the book (configuration, table of contents, bibliography, static files, book tools), and
the solutions only when the instructor asks for them (``--with-solutions``). No hidden test and no
wrong solution is ever copied, and the tree is checked for hidden-test text before it is kept.

``--repository URL`` makes the book's launch buttons and every notebook's Colab set-up cell point to
the published repository instead of the instructor's.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from autograder.exercises import HIDDEN_BEGIN, HIDDEN_END, ROOT, SOLUTION_BEGIN, load_exercises

# Top-level entries of the repository that go into the student tree (everything else stays behind).
PUBLISHED = ("chapters", "exercises", "src", "_static", "tools", "_config.yml", "_toc.yml", "intro.md",
             "references.bib", "requirements.txt", "pyproject.toml", "README.md", "CONTRIBUTING.md", "LICENSE",
             "LICENSE.md", ".gitignore")
TEXT_SUFFIXES = {".ipynb", ".md", ".yml", ".yaml", ".py", ".toml", ".txt", ".cfg", ".bib", ".js", ".css", ".html"}


class PublishError(Exception):
    """The tree to publish would contain hidden material; nothing was written."""


def tracked_files(root: Path) -> list[Path]:
    """Files under version control (so caches, builds and local grading state never go out)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
        files = [Path(p) for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file
        files = [p.relative_to(root) for p in root.rglob("*") if p.is_file()]
    return [f for f in files if (root / f).is_file()]


def selected(files: list[Path], with_solutions: bool) -> list[Path]:
    keep = set(PUBLISHED) | ({"solutions"} if with_solutions else set())
    return sorted(f for f in files if f.parts and f.parts[0] in keep and "wrong" not in f.parts)


def hidden_lines(root: Path) -> set[str]:
    """Substantial lines found only in the hidden tests of an exercise (as ``check`` computes them)."""
    from autograder.check import secret_lines

    found: set[str] = set()
    source = root / "autograder" / "source"
    if source.is_dir():
        for exercise in load_exercises(source, root).values():
            found |= secret_lines(exercise, HIDDEN_BEGIN, HIDDEN_END)
    return found


def leaks_in(folder: Path, hidden: set[str], with_solutions: bool) -> list[str]:
    """Hidden material in the tree: hidden-test markers in any notebook or Python file, hidden-test
    lines in an exercise or solution notebook, solution markers in a notebook (unless solutions are
    published)."""
    problems = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".py")):
        rel = path.relative_to(folder)
        text = path.read_text(encoding="utf-8", errors="replace")
        for marker in (HIDDEN_BEGIN, HIDDEN_END):
            if marker in text:
                problems.append(f"{rel} contains {marker!r}")
        if path.suffix == ".ipynb" and not with_solutions and SOLUTION_BEGIN in text:
            problems.append(f"{rel} contains a solution marker")
        if path.suffix == ".ipynb" and rel.parts[0] in ("exercises", "solutions"):
            lines = {line.strip() for line in _code_lines(text)}
            for line in sorted(hidden & lines):
                problems.append(f"{rel} contains the hidden-test line {line[:60]!r}")
    return problems


def _code_lines(notebook_text: str) -> list[str]:
    import nbformat

    nb = nbformat.reads(notebook_text, as_version=4)
    return [line for cell in nb.cells for line in cell.source.splitlines()]


def publish(target: Path, repository: str | None = None, with_solutions: bool = False, root: Path = ROOT) -> list[Path]:
    """Write the student tree into ``target`` (which must not exist or be empty); the files written."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise PublishError(f"書き出し先 {target} が空ではありません。空のフォルダーを指定してください ({target} is not empty)")
    files = selected(tracked_files(root), with_solutions)
    old_url = _repository_url(root / "_config.yml")
    staging = target.with_name(target.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    for rel in files:
        dest = staging / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest)
        if repository and old_url and dest.suffix in TEXT_SUFFIXES:
            text = dest.read_text(encoding="utf-8", errors="surrogateescape")
            if old_url in text:
                dest.write_text(text.replace(old_url, repository.rstrip("/")), encoding="utf-8", errors="surrogateescape")
    problems = leaks_in(staging, hidden_lines(root), with_solutions) if staging.exists() else []
    if problems:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError("隠しテストや解答の文が含まれるため、書き出しをやめました (refused to publish: hidden or "
                           "solution text found): " + "; ".join(problems[:10]))
    target.mkdir(parents=True, exist_ok=True)
    for entry in staging.iterdir() if staging.exists() else []:
        shutil.move(str(entry), target / entry.name)
    shutil.rmtree(staging, ignore_errors=True)
    return files


def _repository_url(config: Path) -> str | None:
    try:
        import yaml

        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        url = (data.get("repository") or {}).get("url")
        return url.rstrip("/") if isinstance(url, str) else None
    except (OSError, ImportError, ValueError):
        return None

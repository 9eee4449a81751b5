"""``python -m autograder publish``: the student tree has the chapters, exercises, course package and
book, never a hidden test or a wrong solution, and its launch buttons and Colab cells point to it."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from autograder.publish import PublishError, publish
from tests.grading_helpers import release_toy

INSTRUCTOR_URL = "https://github.com/teacher/course-private"
STUDENT_URL = "https://github.com/teacher/course"


@pytest.fixture()
def instructor_repo(tmp_path):
    """A small course laid out like this repository, with the toy exercise as its only exercise."""
    root = tmp_path / "repo"
    source, _ = release_toy(root)
    (root / "autograder").mkdir()
    shutil.move(str(source), root / "autograder" / "source")
    (root / "chapters").mkdir()
    colab = {"cells": [{"cell_type": "code", "metadata": {"tags": ["colab-setup"]}, "execution_count": None,
                        "outputs": [], "source": f'%pip install "pkg @ git+{INSTRUCTOR_URL}"', "id": "a1"}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "chapters" / "01_intro.ipynb").write_text(json.dumps(colab), encoding="utf-8")
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "__init__.py").write_text('"""The course package."""\n', encoding="utf-8")
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text("def test(): pass\n", encoding="utf-8")
    (root / "classroom").mkdir()
    (root / "classroom" / "roster.csv").write_text("student,repo\n", encoding="utf-8")
    (root / "_config.yml").write_text(f"title: t\nrepository:\n  url: {INSTRUCTOR_URL}\n", encoding="utf-8")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01_intro\n"
                                   "  - file: exercises/toy\n", encoding="utf-8")
    (root / "intro.md").write_text("# intro\n", encoding="utf-8")
    return root


def all_text(folder) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_published_tree_has_the_course_and_no_hidden_material(instructor_repo, tmp_path):
    out = tmp_path / "student"
    publish(out, repository=STUDENT_URL, root=instructor_repo)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"chapters/01_intro.ipynb", "exercises/toy.ipynb", "src/pkg/__init__.py", "_config.yml", "_toc.yml",
            "intro.md"} <= names
    assert not any(n.startswith(("autograder/", "tests/", "classroom/", "solutions/")) for n in names), names
    text = all_text(out)
    for secret in ("BEGIN HIDDEN TESTS", "add(-5, 5)", "BEGIN SOLUTION", "abs(a) + abs(b)", "return a + b"):
        assert secret not in text, secret
    assert INSTRUCTOR_URL not in text and STUDENT_URL in (out / "chapters" / "01_intro.ipynb").read_text()
    assert yaml.safe_load((out / "_config.yml").read_text())["repository"]["url"] == STUDENT_URL
    toc = yaml.safe_load((out / "_toc.yml").read_text())
    for entry in [toc["root"], *(c["file"] for c in toc["chapters"])]:  # the book's pages are all there
        assert any((out / f"{entry}{suffix}").exists() for suffix in (".md", ".ipynb")), entry


def test_solutions_only_when_asked(instructor_repo, tmp_path):
    publish(tmp_path / "with", with_solutions=True, root=instructor_repo)
    solution = (tmp_path / "with" / "solutions" / "toy.ipynb").read_text(encoding="utf-8")
    assert "return a + b" in solution and "add(-5, 5)" not in solution


def test_publish_refuses_a_tree_with_hidden_tests(instructor_repo, tmp_path):
    leaked = instructor_repo / "chapters" / "02_leak.ipynb"
    shutil.copy(instructor_repo / "autograder" / "source" / "toy" / "toy.ipynb", leaked)
    with pytest.raises(PublishError, match="HIDDEN"):
        publish(tmp_path / "out", root=instructor_repo)
    assert not (tmp_path / "out").exists()

"""Fast tests (no kernel) of how the grader is put together: its settings object and command line,
how settings and the kernel factory reach the kernel managers nbgrader creates, the results with
their notes in every output format, and the resume state."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from autograder import results
from autograder.batch import _fingerprint, load_state, save_state
from autograder.cli import build_parser, main
from autograder.feedback import render
from autograder.results import NOTE_RESUMED, NOTE_RETRIED, Result
from autograder.sandbox import KERNEL_NAME, Limits, SandboxKernelManager
from autograder.settings import GraderSettings, byte_size, settings_from_args
from autograder.submissions import Submission

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- settings


def parse(*argv: str) -> GraderSettings:
    return settings_from_args(build_parser().parse_args(["grade", "SUBMISSIONS", *argv]))


def test_defaults_of_the_command_line_are_the_settings_defaults():
    settings = parse()
    assert settings.sandbox and settings.kernel_factory and settings.jobs == 1
    assert (settings.cell_timeout, settings.notebook_timeout) == (60, 300)
    assert settings.limits == Limits(memory_bytes=4 * 1024**3)
    assert settings.max_output_bytes == 100 * 1024


def test_options_become_settings():
    settings = parse("-j", "3", "--cell-timeout", "5", "--notebook-timeout", "50", "--memory", "1.5G",
                     "--max-output", "2K", "--no-kernel-factory", "--kernel-root", "/var/tmp/x")
    assert settings == GraderSettings(kernel_factory=False, jobs=3, cell_timeout=5, notebook_timeout=50,
                                      max_output_bytes=2048, limits=Limits(memory_bytes=int(1.5 * 1024**3)),
                                      kernel_root=Path("/var/tmp/x"))
    assert not parse("--no-sandbox").sandbox


def test_settings_are_frozen_and_checked():
    with pytest.raises(Exception):
        GraderSettings().jobs = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="jobs"):
        GraderSettings(jobs=0)


@pytest.mark.parametrize("text, expected", [("4G", 4 * 1024**3), ("512m", 512 * 1024**2), ("100K", 102400),
                                            ("1000", 1000), ("2GB", 2 * 1024**3)])
def test_byte_sizes(text, expected):
    assert byte_size(text) == expected


@pytest.mark.parametrize("argv, words", [
    (["grade", "X", "--memory", "lots"], ["サイズとして読めません", "lots"]),
    (["grade", "X", "--jobs", "0"], ["1 以上", "0"]),
    (["grade"], ["コマンドの指定が正しくありません"]),
    (["frobnicate"], ["コマンドの指定が正しくありません"]),
])
def test_usage_errors_are_explained_in_japanese_first(argv, words, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err, err


def test_help_is_japanese_first_and_names_one_kernel_factory(capsys):
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    text = capsys.readouterr().out
    assert "同時に採点するノートブックの数" in text and "カーネルファクトリー" in text and "kernel factory" in text
    assert "zygote" not in text.lower()


def test_missing_submissions_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere")]) == 2
    assert "ファイルまたはフォルダーがありません" in capsys.readouterr().err


def test_resume_fingerprint_ignores_parallelism_but_not_limits(tmp_path):
    notebook = tmp_path / "amy" / "toy.ipynb"
    notebook.parent.mkdir()
    notebook.write_text("{}", encoding="utf-8")
    sub = Submission(notebook, "amy", "toy")
    base = _fingerprint(sub, {}, GraderSettings())
    assert _fingerprint(sub, {}, GraderSettings(jobs=4, kernel_root=Path("/var/tmp/other"))) == base
    assert _fingerprint(sub, {}, GraderSettings(cell_timeout=5)) != base
    assert _fingerprint(sub, {}, GraderSettings(limits=Limits(memory_bytes=1024**3))) != base


def test_kernel_environment_is_explicit():
    env = GraderSettings().kernel_env()
    assert env["HOME"] == "/tmp/work" and env["HF_HUB_OFFLINE"] == "1" and env["PYTHONHASHSEED"] == "0"
    assert not set(env) - {"HOME", "TMPDIR", "PATH", "LANG", "PYTHONHASHSEED", "MPLBACKEND", "HF_HUB_OFFLINE",
                           "TRANSFORMERS_OFFLINE", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLCONFIGDIR",
                           "PYTHONDONTWRITEBYTECODE"}, "nothing of the grader's own environment"
    assert "HF_HUB_OFFLINE" not in GraderSettings(offline=False).kernel_env()


@pytest.mark.slow  # a fresh interpreter importing nbgrader: ~10 s, more on a loaded machine
def test_importing_and_configuring_the_grader_leaves_the_environment_alone(tmp_path):
    """No module changes os.environ, at import or when a course is set up (kernel specs are built in
    code, settings travel through the configuration)."""
    code = f"""
import os, sys
before = dict(os.environ)
import autograder, autograder.cli, autograder.batch, autograder.grading, autograder.kernels, autograder.check
import autograder.queue, autograder.release
from autograder.nbgrader_course import NbgraderCourse
from autograder.settings import GraderSettings
NbgraderCourse({str(tmp_path / 'course')!r}, settings=GraderSettings(kernel_dir={str(tmp_path)!r}))
changed = {{k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k)}}
sys.exit(f"changed: {{sorted(changed)}}" if changed else 0)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (tmp_path / "course" / "jupyter").exists(), "no kernelspec folder on a JUPYTER_PATH"


# --------------------------------------------------------------------------- wiring


class FakeFactory:
    """Stands in for KernelFactory: hands out kernel folders, starts nothing."""

    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0

    def __deepcopy__(self, memo):
        return self

    def new_kernel_dir(self) -> Path:
        self.count += 1
        path = self.folder / f"kernel-{self.count}"
        path.mkdir()
        return path


def test_settings_and_the_factory_reach_the_kernel_managers_through_the_config(tmp_path):
    from autograder.kernels import KernelFactoryKernelManager
    from autograder.nbgrader_course import quiet_config

    settings = GraderSettings(limits=Limits(memory_bytes=123 * 1024**2), kernel_dir=tmp_path)
    factory = FakeFactory(tmp_path)
    config = quiet_config(tmp_path / "course", "sqlite://", settings, factory)
    assert config.SplitExecute.kernel_manager_class is KernelFactoryKernelManager
    km = KernelFactoryKernelManager(kernel_name=KERNEL_NAME, config=config)
    assert km.kernel_factory is factory and km.settings == settings
    assert Path(km.connection_file).parent == tmp_path / "kernel-1"
    spec = km.kernel_spec
    assert spec.argv[:3] == [sys.executable, "-m", "autograder.sandbox"] and spec.interrupt_mode == "message"
    assert Limits.from_json(spec.argv[spec.argv.index("--limits") + 1]) == settings.limits
    assert json.loads(spec.argv[spec.argv.index("--env") + 1]) == settings.kernel_env()

    fresh = SandboxKernelManager(kernel_name=KERNEL_NAME, config=quiet_config(
        tmp_path / "course", "sqlite://", GraderSettings(kernel_factory=False, kernel_dir=tmp_path)))
    assert Path(fresh.connection_file).parent.parent == tmp_path
    assert set(fresh.kernel_environment()) <= {"PATH", "LANG", "PYTHONPATH"}


def test_unsandboxed_kernels_get_the_offline_flags():
    from autograder.nbgrader_course import quiet_config
    from autograder.sandbox import ExplicitEnvKernelManager

    config = quiet_config(Path("/nonexistent"), "sqlite://", GraderSettings(sandbox=False))
    assert config.SplitExecute.kernel_manager_class is ExplicitEnvKernelManager
    km = ExplicitEnvKernelManager(kernel_name="python3", config=config)
    assert km.kernel_environment()["HF_HUB_OFFLINE"] == "1"


def test_the_bwrap_command_carries_exactly_the_given_environment(tmp_path):
    from autograder.sandbox import bwrap_command

    cmd = bwrap_command(tmp_path, Limits(), ["-c", "pass"], env={"A": "1", "LANG": "C.UTF-8"})
    assert "--clearenv" in cmd
    pairs = [(cmd[i + 1], cmd[i + 2]) for i, arg in enumerate(cmd) if arg == "--setenv"]
    assert pairs == [("A", "1"), ("LANG", "C.UTF-8")]


def test_the_gradebook_is_created_without_the_alembic_program(tmp_path):
    from nbgrader.api import Gradebook
    from sqlalchemy import create_engine, text

    from autograder.nbgrader_course import alembic_head, create_gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    create_gradebook(url)
    create_gradebook(url)  # a second time changes nothing
    engine = create_engine(url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [alembic_head()]
    engine.dispose()
    with Gradebook(url, "llm-shikumi") as gb:  # nbgrader accepts it as its own
        gb.add_student("amy")
        assert [s.id for s in gb.students] == ["amy"]


# --------------------------------------------------------------------------- results and notes


def sample() -> list[Result]:
    return [
        Result("amy", "toy", "SUB/amy/toy.ipynb", "graded", 2.0, 3.0, "",
               [results.TestResult("test_add", 0.0, 1.0, False, "add を確かめます\n→ 隠しテストで不合格"),
                results.TestResult("test_mean", 2.0, 2.0, True, "mean")],
               ["解答セル add_answer をメタデータなしで見つけました", NOTE_RETRIED]),
        Result.error("bob", "toy", "SUB/bob/toy.ipynb", "JSON ではありません", 3.0),
    ]


def test_reason_is_for_errors_and_notes_are_apart_from_the_tests_feedback():
    amy, bob = sample()
    assert amy.reason == "" and len(amy.notes) == 2
    assert all("retried" not in t.message for t in amy.tests)
    assert bob.status == "error" and bob.reason and bob.notes == [] and bob.score == 0.0


def test_json_round_trips_with_notes_and_reads_older_files(tmp_path):
    path = tmp_path / "r.json"
    results.write_json(sample(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["results"][0]["notes"][1] == NOTE_RETRIED
    assert results.read_json(path) == sample()
    old = {"results": [{k: v for k, v in asdict(r).items() if k != "notes"} for r in sample()]}
    path.write_text(json.dumps(old), encoding="utf-8")
    assert [r.notes for r in results.read_json(path)] == [[], []]


def test_csv_has_one_row_per_notebook_with_reason_and_notes(tmp_path):
    path = tmp_path / "r.csv"
    results.write_csv(sample(), path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == list(results.CSV_HEADER)
    assert rows[1][:6] == ["amy", "toy", "graded", "2", "3", "test_add"] and NOTE_RETRIED in rows[1][7]
    assert rows[2][:5] == ["bob", "toy", "error", "0", "3"] and rows[2][6] == "JSON ではありません"


def test_markdown_and_terminal_summaries_show_reasons_notes_and_failed_tests():
    text = results.markdown_summary(sample())
    assert "| amy | toy | 2 / 3 | graded |" in text
    assert "- 注意 (note): 解答セル add_answer" in text and "**test_add** (0/1)" in text
    assert "- 採点できませんでした (not graded): JSON ではありません" in text
    table = results.summary_table(sample())
    assert "failed: test_add; notes: 2" in table and "2 notebooks: 1 graded, 1 errors" in table


def test_feedback_shows_notes_but_not_that_a_stored_result_was_reused():
    amy = sample()[0].with_note(NOTE_RESUMED)
    page = render(amy)
    assert "採点時の注意" in page and "add_answer" in page and NOTE_RESUMED not in page
    assert "採点できませんでした" in render(sample()[1])
    assert "採点時の注意" not in render(Result("c", "toy", "f", "graded", 3.0, 3.0))


def test_resume_state_round_trips(tmp_path):
    notebook = tmp_path / "sub" / "amy" / "toy.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("{}", encoding="utf-8")
    sub = Submission(notebook, "amy", "toy")
    result = Result("amy", "toy", str(notebook), "graded", 3.0, 3.0, notes=["x"])
    save_state(tmp_path / "work", sub, result, _fingerprint(sub, {}, GraderSettings()))
    assert load_state(tmp_path / "work", sub, {}, GraderSettings()) == result
    assert load_state(tmp_path / "work", sub, {}, GraderSettings(cell_timeout=1)) is None
    notebook.write_text('{"changed": 1}', encoding="utf-8")
    assert load_state(tmp_path / "work", sub, {}, GraderSettings()) is None


def test_one_name_for_the_kernel_factory_in_the_grader():
    """The kernel factory is called that (KernelFactory, カーネルファクトリー, kernel_factory.py) in code, help
    and docs; its old name "zygote" appears nowhere."""
    for path in sorted((ROOT / "autograder").glob("*.py")) + [ROOT / "autograder" / "SECURITY.md", ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            assert "zygote" not in line.lower(), f"{path.name}: {line.strip()}"
    assert (ROOT / "autograder" / "kernel_factory.py").exists()


# --------------------------------------------------------------------------- what a run reports


def test_autograde_failures_are_explained_for_the_student():
    from autograder.grading import explain_autograde_failure

    assert "カーネルが停止しました" in explain_autograde_failure("\x1b[31mDeadKernelError: Kernel died\x1b[0m")
    assert "時間内に終わりませんでした" in explain_autograde_failure("CellTimeoutError: timed out")
    assert explain_autograde_failure("line one\nValueError: odd\n\n").endswith("ValueError: odd")


def test_incidents_become_notes():
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from autograder.grading import incidents

    def failed(ename):
        return new_code_cell("x", outputs=[new_output("error", ename=ename, evalue="", traceback=[])])

    nb = new_notebook(cells=[failed("DeadKernelError"), failed("NotebookTimeoutError"), failed("CellTimeoutError"),
                             failed("ValueError")])
    notes = incidents(nb)
    assert len(notes) == 3 and "kernel died" in notes[0] and "notebook time limit" in notes[1]
    assert incidents(new_notebook(cells=[new_code_cell("x")])) == []


def test_duplicate_submissions_are_named():
    from autograder.batch import duplicates

    subs = [Submission(Path("a/amy/toy.ipynb"), "amy", "toy"), Submission(Path("b/amy/toy.ipynb"), "amy", "toy"),
            Submission(Path("a/bob/toy.ipynb"), "bob", "toy")]
    found = duplicates(subs)
    assert list(found) == [1] and "a/amy/toy.ipynb" in found[1] and "duplicate submission" in found[1]


def test_a_note_is_added_without_changing_the_original():
    amy = sample()[0]
    noted = amy.with_note(NOTE_RESUMED)
    assert noted.notes[-1] == NOTE_RESUMED and NOTE_RESUMED not in amy.notes and noted.tests == amy.tests

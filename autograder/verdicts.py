"""Running a test cell in the grader's process and turning its outcome into a verdict.

A test cell passes when it runs to its end here, in the grader, without raising. What the student is
told is built by :func:`judge` from facts the grader owns, never from the hidden test's source:

- a failure in a **hidden** part of the cell: only that it failed a hidden test (the author's
  description of the test is added by the caller); no exception text, no type chosen by the student;
- a failure in the **visible** part: the assertion message of the visible test (which the student can
  read in the notebook anyway), or the name of the built-in exception the student's code raised
  with a hint; never the text of an exception raised by student code;
- time limits and kernel deaths: a fixed explanation.
"""
from __future__ import annotations

import contextlib
import io
import signal
import threading
import traceback
from dataclasses import dataclass, field

from autograder.exercises import HIDDEN_BEGIN, HIDDEN_END
from autograder.remote import KernelGone, KernelTimeout, ProtocolError, RemoteError, StudentError

# Exceptions whose bare name tells a student little: say what they usually mean.
HINTS = {
    "NotImplementedError": "関数がまだ実装されていません (NotImplementedError)。`raise NotImplementedError()` を消して解答を書いてください。",
    "NameError": "名前が定義されていません (NameError)。解答セルを実行したか、関数名を変えていないか確認してください。",
    "CellTimeoutError": "時間内に終わりませんでした (timeout)。無限ループや重すぎる計算がないか確認してください。",
    "NotebookTimeoutError": "ノートブック全体の制限時間を超えたため、このテストは実行されませんでした (notebook timeout)。",
    "DeadKernelError": "カーネルが停止したため、このテストは実行されませんでした (kernel died)。",
}
HIDDEN_FAILED = "隠しテスト (hidden tests) で不合格でした。上の説明にある点を見直してください。"
NO_ANSWER = ("解答のコードが採点のための問い合わせに応じませんでした (the student's kernel did not answer the "
             "grader's requests)。IPython の実行の仕組みを書き換えるコードがないか確認してください。")
MAX_MESSAGE = 1500
MAX_STDOUT = 20_000


@dataclass
class Verdict:
    passed: bool
    message: str = ""  # for the student (the caller prepends the test's description)
    stdout: str = ""  # what the test printed here (for the instructor's copy of the notebook)
    error: dict | None = None  # ename / evalue / traceback for the instructor's copy
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"passed": self.passed, "message": self.message}


def hidden_line_numbers(source: str) -> set[int]:
    """1-based numbers of the lines inside hidden-test regions (markers included)."""
    numbers, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if HIDDEN_BEGIN in line:
            inside = True
        if inside:
            numbers.add(number)
        if HIDDEN_END in line:
            inside = False
    return numbers


def failing_line(exc: BaseException, filename: str) -> int | None:
    """The line of the cell's top level that was running when ``exc`` was raised."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            return tb.tb_lineno
        tb = tb.tb_next
    return None


def judge(exc: BaseException | None, source: str, filename: str) -> Verdict:
    """The verdict on a test cell that ran here and raised ``exc`` (None: it passed)."""
    if exc is None:
        return Verdict(True)
    error = {"ename": type(exc).__name__, "evalue": str(exc)[:MAX_MESSAGE],
             "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__)[-20:]}
    if isinstance(exc, (KernelTimeout, GraderTimeout)):
        return Verdict(False, HINTS["CellTimeoutError"], error={**error, "ename": "CellTimeoutError"})
    if isinstance(exc, KernelGone):
        return Verdict(False, HINTS["DeadKernelError"], error={**error, "ename": "DeadKernelError"})
    if isinstance(exc, (ProtocolError, RemoteError)):
        return Verdict(False, NO_ANSWER, error=error)
    line = failing_line(exc, filename)
    if line is None or line in hidden_line_numbers(source):
        return Verdict(False, HIDDEN_FAILED, error=error)
    name = type(exc).__name__
    if isinstance(exc, StudentError):  # raised by the student's code: its name, never its text
        hint = HINTS.get(name, "")
        return Verdict(False, f"{hint} 解答のコードが {name} を送出しました。".strip(), error=error)
    if isinstance(exc, AssertionError):
        text = str(exc).strip()
        return Verdict(False, text[:MAX_MESSAGE] if text else "AssertionError (メッセージなし)", error=error)
    text = str(exc).strip()[:MAX_MESSAGE]
    hint = HINTS.get(name)
    if hint:
        return Verdict(False, f"{hint} ({name}: {text})" if text else hint, error=error)
    return Verdict(False, f"{name}: {text}" if text else f"{name} (メッセージなし)", error=error)


class GraderTimeout(BaseException):
    """A test cell ran too long in the grader's own process (a backstop; requests have their own)."""


class _CappedText(io.StringIO):
    def write(self, text: str) -> int:
        if self.tell() < MAX_STDOUT:
            super().write(text[: MAX_STDOUT - self.tell()])
        return len(text)


@contextlib.contextmanager
def _alarm(seconds: float):
    """SIGALRM after ``seconds`` raises GraderTimeout (only in the main thread; else no backstop)."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def ring(signum, frame):
        raise GraderTimeout("the test cell ran too long in the grader")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_here(source: str, namespace: dict, filename: str, seconds: float) -> tuple[BaseException | None, str]:
    """Execute ``source`` in ``namespace`` in this process; (the exception it raised or None, stdout)."""
    out = _CappedText()
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
        with _alarm(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(_CappedText()):
            exec(code, namespace)
    except (Exception, GraderTimeout, RemoteError) as exc:  # noqa: BLE001 - every failure is a verdict
        return exc, out.getvalue()
    return None, out.getvalue()

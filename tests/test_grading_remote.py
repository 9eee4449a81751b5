"""Out-of-process verdicts, piece by piece: the plain-data decoder (what may cross from the student's
kernel), proxies (what they refuse), the verdict messages (what a student may read), and the link to
a real kernel (calls, tensors, nn.Module, callbacks, timeouts, lies)."""
from __future__ import annotations

import base64
import collections
import json
import math

import numpy as np
import pytest
import torch

from autograder.remote import (NOT_DATA, KernelLink, KernelTimeout, ProtocolError, RemoteObject, StudentError,
                               GraderNamespace, decode, encode, student_exception)
from autograder.verdicts import HIDDEN_FAILED, HINTS, judge, run_here

# --------------------------------------------------------------------------- decoding untrusted answers


def tensor_message(t: torch.Tensor) -> dict:
    return encode(t, link=None)


def test_plain_data_round_trips():
    values = [None, True, 3, -2.5, math.inf, "猫", b"\x00\x01", [1, [2]], (1, "a"), {"k": (1, 2)}, {1, 2},
              frozenset({3}), collections.Counter({"a": 2}), collections.OrderedDict(b=1), 1 + 2j, slice(1, 5, 2)]
    for value in values:
        wire = json.loads(json.dumps(encode(value, link=None)))
        back = decode(wire, None)
        assert back == value and type(back) is type(value), value


def test_arrays_and_tensors_round_trip_with_dtype_and_shape():
    array = np.arange(12, dtype=np.int16).reshape(3, 4)
    back = decode(json.loads(json.dumps(encode(array, None))), None)
    assert back.dtype == np.int16 and back.shape == (3, 4) and (back == array).all()
    assert decode(encode(np.float32(1.5), None), None) == np.float32(1.5)
    for t in (torch.randn(2, 3), torch.arange(5), torch.ones(2, dtype=torch.bfloat16), torch.zeros(0, 4),
              torch.tensor(True), torch.nn.Parameter(torch.ones(2))):
        back = decode(json.loads(json.dumps(tensor_message(t))), None)
        assert back.dtype == t.dtype and back.shape == t.shape and torch.equal(back.detach(), t.detach())
        assert type(back) is type(t)


@pytest.mark.parametrize("message, why", [
    ({"$": "ndarray", "dtype": "|O", "shape": [1], "b": ""}, "object arrays cannot cross"),
    ({"$": "ndarray", "dtype": "<f8", "shape": [3], "b": base64.b64encode(b"\0" * 8).decode()}, "shape/data"),
    ({"$": "tensor", "dtype": "float32", "shape": [2], "b": base64.b64encode(b"\0" * 4).decode()}, "shape/data"),
    ({"$": "tensor", "dtype": "object", "shape": [], "b": ""}, "unknown dtype"),
    ({"$": "global", "module": "os", "qualname": "system"}, "modules outside the allowlist"),
    ({"$": "global", "module": "numpy", "qualname": "save"}, "functions are never named"),
    ({"$": "global", "module": "torch", "qualname": "_C._unsafe"}, "private names"),
    ({"$": "module", "name": "subprocess"}, "modules outside the allowlist"),
    ({"$": "pickle", "v": "gASV"}, "unknown tags"),
    ({"$": "ref", "id": 1}, "references need a link"),
    ({"no": "tag"}, "untagged objects"),
])
def test_decoder_rejects(message, why):
    with pytest.raises(ProtocolError):
        decode(message, None)


def test_decoder_rejects_deep_nesting():
    value = 0
    for _ in range(200):
        value = [value]
    with pytest.raises(ProtocolError):
        decode(value, None)


def test_named_classes_and_modules_are_the_graders_own():
    assert decode({"$": "global", "module": "collections", "qualname": "Counter"}, None) is collections.Counter
    assert decode({"$": "module", "name": "torch.nn"}, None) is torch.nn


# --------------------------------------------------------------------------- proxies refuse to be compared


class FakeLink:
    """Answers every request with a fixed value (what a kernel fully controlled by a student can do)."""

    def __init__(self, answer):
        self.answer, self.requests = answer, []

    def request(self, message):
        self.requests.append(message)
        return self.answer


def test_a_remote_object_is_never_equal_true_or_an_array():
    proxy = RemoteObject(FakeLink(True), 1, "Liar", None)
    for attempt in (lambda: proxy == 3, lambda: proxy != 3, lambda: bool(proxy), lambda: proxy < 1,
                    lambda: np.asarray(proxy, dtype=float), lambda: float(proxy), lambda: 3 in proxy,
                    lambda: torch.allclose(proxy, torch.ones(1))):
        with pytest.raises(TypeError):
            attempt()
    assert NOT_DATA
    assert "Liar" in repr(proxy) and not isinstance(proxy, (int, float, list, torch.Tensor))


def test_proxy_forwards_calls_and_attributes_as_requests():
    link = FakeLink(5)
    proxy = RemoteObject(link, 7, "Model", None)
    assert proxy(1, k=2) == 5 and proxy.hidden_size == 5 and proxy[0] == 5
    assert [r["op"] for r in link.requests] == ["call", "getattr", "getitem"]
    assert link.requests[0]["args"] == [1] and link.requests[0]["kwargs"] == [["k", 2]]
    with pytest.raises(AttributeError):
        proxy.__wrapped__  # dunder names are never asked of the kernel


def test_student_exceptions_keep_their_builtin_type_and_origin():
    exc = student_exception(["__main__:MyError", "builtins:ValueError", "builtins:Exception"], "text")
    assert isinstance(exc, ValueError) and isinstance(exc, StudentError)
    assert isinstance(student_exception(["builtins:KeyboardInterrupt"], ""), RuntimeError)
    assert isinstance(student_exception("garbage", 3), RuntimeError)


# --------------------------------------------------------------------------- verdict messages

SOURCE = '''"""doc"""
assert f(1) == 1, "visible message"
### BEGIN HIDDEN TESTS
assert f(2) == 4, "hidden message 4"
### END HIDDEN TESTS
'''


def run_with(f):
    namespace = {"__builtins__": __builtins__, "f": f}
    exc, _ = run_here(SOURCE, namespace, "<test cell t>", 10)
    return judge(exc, SOURCE, "<test cell t>")


def test_visible_failure_shows_the_visible_assertion_message():
    verdict = run_with(lambda x: 0)
    assert not verdict.passed and verdict.message == "visible message"


def test_hidden_failure_shows_no_hidden_text():
    verdict = run_with(lambda x: 1 if x == 1 else 3)
    assert not verdict.passed and verdict.message == HIDDEN_FAILED


def test_student_exception_text_is_never_shown():
    def f(x):
        raise student_exception(["builtins:ValueError"], "assert f(2) == 4, 'hidden message 4'")

    verdict = run_with(f)
    assert "hidden" not in verdict.message and "assert" not in verdict.message
    assert "ValueError" in verdict.message


def test_passing_test_and_timeouts():
    assert run_with(lambda x: x * x).passed
    assert judge(KernelTimeout("t"), SOURCE, "<x>").message == HINTS["CellTimeoutError"]


# --------------------------------------------------------------------------- a real kernel



@pytest.fixture(scope="module")
def kernel():
    """A plain (unsandboxed) Jupyter kernel with some student code, and a link to it."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    kc.execute_interactive("""
import time, torch
from torch import nn
def add(a, b):
    return a + b
def apply(f, x):
    return f(x) + 1
def slow():
    time.sleep(60)
def huge():
    return "x" * 1_500_000
class Affine(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.linear = nn.Linear(n, n)
    def forward(self, x):
        return torch.relu(self.linear(x))
class Liar:
    def __eq__(self, other):
        return True
from collections import Counter
_made = []
def make_table(n):
    _made.append(Counter({i: i % 7 for i in range(n)}))
    return _made[-1]
def is_original(table):
    return table is _made[-1]
""", timeout=60)
    link = KernelLink(km.get_connection_info(session=False), interrupt=km.interrupt_kernel, alive=km.is_alive,
                      max_reply_bytes=1_000_000)
    yield GraderNamespace(link), link
    link.close()
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def run_cell(kernel, source, seconds=20):
    namespace, link = kernel
    import time

    link.deadline = time.monotonic() + seconds
    try:
        exc, _ = run_here(source, namespace, "<cell>", seconds + 5)
    finally:
        link.end()
    return exc


@pytest.mark.slow
def test_link_calls_functions_classes_and_modules(kernel):
    exc = run_cell(kernel, """
import torch
from torch import nn
assert add(1, 2) == 3 and add("a", "b") == "ab"
x = torch.randn(3, 4)
torch.manual_seed(0)
reference = nn.Linear(4, 4)
m = Affine(4)
assert isinstance(m, nn.Module) and isinstance(m, Affine) and not isinstance(reference, Affine)
m.load_state_dict({f"linear.{k}": v for k, v in reference.state_dict().items()})
assert torch.allclose(m(x), torch.relu(reference(x)))
assert sorted(m.state_dict()) == ["linear.bias", "linear.weight"]
m.note = [1, 2]
assert m.note == [1, 2]
assert apply(lambda v: v * 10, 4) == 41  # the test's lambda runs here, called back from the kernel
""")
    assert exc is None, repr(exc)


@pytest.mark.slow
def test_link_refuses_lies_missing_values_and_oversized_answers(kernel):
    assert isinstance(run_cell(kernel, "assert Liar() == 3"), TypeError)
    assert isinstance(run_cell(kernel, "Affine(2).no_such_attribute"), AttributeError)
    assert isinstance(run_cell(kernel, "no_such_function()"), NameError)
    assert isinstance(run_cell(kernel, "huge()"), ProtocolError)
    assert run_cell(kernel, "assert add(2, 2) == 4") is None  # the link still works afterwards


@pytest.mark.slow
def test_link_interrupts_a_hanging_student_function(kernel):
    import time

    start = time.monotonic()
    exc = run_cell(kernel, "slow()", seconds=2)
    assert isinstance(exc, KernelTimeout) and time.monotonic() - start < 15
    assert run_cell(kernel, "assert add(1, 1) == 2") is None


@pytest.mark.slow
def test_big_tables_go_back_by_reference_unless_changed(kernel):
    """A big Counter the student's code returned is handed back to it as its own object (no copy over
    the link); once the test changes it, it is sent as data."""
    namespace, link = kernel
    exc = run_cell(kernel, "table = make_table(1000)\nassert is_original(table) and table[3] == 3\n"
                           "table[5000] = 1\nassert not is_original(table)\nsmall = make_table(10)\n"
                           "assert not is_original(small)  # small tables always travel as data")
    assert exc is None, repr(exc)

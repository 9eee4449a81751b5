"""The grader's side of out-of-process verdicts: plain data in, proxies for the rest.

Test cells run in the grader's own (trusted) Python, not in the student's kernel. When a test uses
a name that the student's notebook defines, :class:`GraderNamespace` asks the kernel for it through a
:class:`KernelLink`; what comes back is either **plain data**, rebuilt here from a strict JSON encoding
(numbers, str, bytes, list/tuple/dict/set, Counter/OrderedDict, numpy arrays and torch tensors as
dtype + shape + raw bytes), or a **proxy** (:class:`RemoteObject`) for a function, class or instance
(an ``nn.Module`` too) that lives in the kernel. Calling a proxy, reading or setting its attributes,
indexing or iterating it are requests to the kernel whose answers are again plain data or proxies.

No expected value ever enters the kernel: the assertions run here. Only the arguments a test passes
(and the return values of the test's own functions that student code calls back) are sent over.

A proxy never answers a comparison: ``==``, ``<``, ``bool()``, ``np.asarray``/``__array__`` on a
proxy raise ``TypeError``. So an object whose ``__eq__``, ``__bool__`` or ``__array__`` lies cannot
make an assertion pass: to be compared, a value must come across as plain data.

**Transport: the Jupyter kernel's own stdin channel** (``input_request``/``input_reply``), driven by
:mod:`autograder.agent` inside a silent ``execute_request``. Why this one:

- no new socket, port or file crosses the sandbox; the kernel already has this channel (``ipc``
  sockets in its private folder), in all three ways kernels are started (factory, fresh sandbox,
  ``--no-sandbox``);
- it is synchronous and two-way from inside a running request, which callbacks need (student code
  calling a function the test passed, e.g. ``sentence_logprob(words, prob)``): a message socket
  driven by the kernel's event loop (comms) cannot wait for the grader while student code runs;
- the requests run in the kernel's main thread, so a hanging student function is stopped by the
  ordinary kernel interrupt, and nothing else in the kernel changes.

Payloads are JSON (the standard library's decoder executes nothing; never pickle), checked for size
before decoding (``max_reply_bytes``), nesting depth and type, and rebuilt only into built-in,
numpy and torch types (numeric dtypes only: no object arrays).
"""
from __future__ import annotations

import base64
import builtins
import collections
import importlib
import json
import math
import time
import uuid
from pathlib import Path

import zmq
from jupyter_client.session import Session

AGENT_SOURCE = (Path(__file__).with_name("agent.py")).read_text(encoding="utf-8")
# Installs the agent in the kernel once (as a module outside the student's namespace) and serves.
BOOT = """
import sys, types
_m = sys.modules.get("_autograder_agent")
if _m is None:
    _m = types.ModuleType("_autograder_agent")
    exec(compile(SRC, "<autograder agent>", "exec"), _m.__dict__)
    sys.modules["_autograder_agent"] = _m
_m.serve()
"""
# Modules and classes the kernel may name instead of proxying; the grader imports its own copy.
NAMED_PACKAGES = frozenset({"builtins", "collections", "math", "numpy", "torch", "fractions", "decimal", "itertools",
                            "functools", "operator", "statistics", "string", "re", "random", "typing", "dataclasses",
                            "llm_shikumi", "fugashi", "unidic_lite"})
MAX_DEPTH = 64
NUMERIC_KINDS = "biufc"
TORCH_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64", "complex64", "complex128", "uint8", "int8",
                          "int16", "int32", "int64", "bool", "uint16", "uint32", "uint64"})
NOT_DATA = ("a value of the student's code that is not plain data (a remote object) cannot be compared, "
            "tested for truth or converted to an array; compare a number, string, list, dict, array or tensor")


def preload() -> None:
    """Import here, outside any time limit, the libraries whose values cross the link (an import cut
    short by a cell's time limit would leave torch half-initialised for the rest of the process)."""
    for name in ("numpy", "torch"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


class RemoteError(BaseException):
    """The link to the student's kernel failed (bad answer, timeout, dead kernel). A BaseException, so
    that a test's ``except Exception`` cannot swallow it."""


class ProtocolError(RemoteError):
    """The kernel answered something that is not a valid message."""


class KernelTimeout(RemoteError):
    """The student's code did not answer in time (the kernel was interrupted)."""


class KernelGone(RemoteError):
    """The kernel died or stopped answering; nothing more can be asked of it."""


class StudentError:
    """Mixin of every exception raised here on behalf of student code (see :func:`student_exception`).
    ``origin_names`` is what the kernel said its type was; ``str(exc)`` its message (student text)."""

    origin_names: tuple[str, ...] = ()


_student_classes: dict[type, type] = {}


def student_exception(mro_names: list, message: str) -> BaseException:
    """A grader-side exception for one raised by student code: an instance of a subclass of the first
    built-in exception in the reported MRO (so ``except ValueError`` in a test works) and of
    :class:`StudentError` (so the grader knows where it came from)."""
    base: type = RuntimeError
    for name in mro_names if isinstance(mro_names, list) else []:
        module, _, qualname = str(name).partition(":")
        candidate = getattr(builtins, qualname, None) if module == "builtins" else None
        if isinstance(candidate, type) and issubclass(candidate, Exception):
            base = candidate
            break
        if module == "builtins" and qualname in ("KeyboardInterrupt", "SystemExit", "GeneratorExit"):
            break
    cls = _student_classes.get(base)
    if cls is None:
        cls = type(base.__name__, (base, StudentError), {"__module__": "builtins"})
        _student_classes[base] = cls
    exc = cls(str(message)[:500] if isinstance(message, str) else "")
    exc.origin_names = tuple(str(n)[:200] for n in (mro_names if isinstance(mro_names, list) else [])[:16])
    return exc


# --------------------------------------------------------------------------- decoding (untrusted input)

def _need(condition: bool, what: str) -> None:
    if not condition:
        raise ProtocolError(what)


def _import_named(module: str, qualname: str | None):
    _need(isinstance(module, str) and module.split(".")[0] in NAMED_PACKAGES, f"module {module!r} is not allowed")
    target = importlib.import_module(module)
    if qualname is None:
        return target
    _need(isinstance(qualname, str) and "<" not in qualname, "bad qualified name")
    for part in qualname.split("."):
        _need(not part.startswith("_"), "private names are not resolved")
        target = getattr(target, part)
    _need(isinstance(target, type), "only classes and modules are named")
    return target


def decode(x, link: "KernelLink | None", depth: int = 0):
    """A value sent by the kernel, rebuilt from built-in, numpy and torch types only."""
    _need(depth <= MAX_DEPTH, "value nested too deeply")
    if x is None or type(x) in (bool, int, float, str):
        return x
    if type(x) is list:
        return [decode(v, link, depth + 1) for v in x]
    _need(type(x) is dict, "unexpected JSON value")
    tag, v = x.get("$"), x.get("v")
    d = lambda y: decode(y, link, depth + 1)  # noqa: E731
    try:
        if tag == "tuple":
            return tuple(map(d, v))
        if tag in ("set", "frozenset"):
            return {"set": set, "frozenset": frozenset}[tag](map(d, v))
        if tag == "bytes":
            return base64.b64decode(x["b"], validate=True)
        if tag == "complex":
            _need(all(type(p) in (int, float) for p in v) and len(v) == 2, "bad complex")
            return complex(*v)
        if tag == "slice":
            _need(len(v) == 3, "bad slice")
            return slice(*map(d, v))
        if tag == "ellipsis":
            return Ellipsis
        if tag in ("dict", "Counter", "OrderedDict", "defaultdict"):
            items = [(d(k), d(val)) for k, val in v]
            if tag == "defaultdict":
                table = collections.defaultdict(None, items)
            else:
                table = {"dict": dict, "Counter": collections.Counter, "OrderedDict": collections.OrderedDict}[tag](dict(items))
            if link is not None and type(x.get("ref")) is int:
                link.remember(table, x["ref"])
            return table
        if tag in ("ndarray", "npscalar", "npdtype"):
            import numpy as np

            dtype = np.dtype(x["dtype"] if tag != "npdtype" else v)
            _need(dtype.kind in NUMERIC_KINDS and not dtype.hasobject and dtype.fields is None, "non-numeric dtype")
            if tag == "npdtype":
                return dtype
            raw = base64.b64decode(x["b"], validate=True)
            shape = x.get("shape", [])
            _need(type(shape) is list and all(type(n) is int and n >= 0 for n in shape), "bad shape")
            _need(len(raw) == math.prod(shape) * dtype.itemsize, "shape and data disagree")
            array = np.frombuffer(raw, dtype=dtype).copy()
            return array.reshape(shape) if tag == "ndarray" else array[0]
        if tag in ("tensor", "torchsize", "torchdtype"):
            import torch

            if tag == "torchsize":
                _need(all(type(n) is int for n in v), "bad size")
                return torch.Size(v)
            name = v if tag == "torchdtype" else x["dtype"]
            _need(name in TORCH_DTYPES, "unsupported tensor dtype")
            dtype = getattr(torch, name)
            if tag == "torchdtype":
                return dtype
            raw = base64.b64decode(x["b"], validate=True)
            shape = x["shape"]
            _need(type(shape) is list and all(type(n) is int and n >= 0 for n in shape), "bad shape")
            _need(len(raw) == math.prod(shape) * dtype.itemsize, "shape and data disagree")
            t = (torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape).clone() if raw
                 else torch.empty(shape, dtype=dtype))
            grad = x.get("grad") is True and (t.is_floating_point() or t.is_complex())
            if x.get("param") is True:
                return torch.nn.Parameter(t, requires_grad=grad)
            return t.requires_grad_(grad)
        if tag == "module":
            return _import_named(x["name"], None)
        if tag == "global":
            return _import_named(x["module"], x["qualname"])
        if tag == "ref":
            _need(link is not None and type(x.get("id")) is int, "bad reference")
            return link.proxy(x)
    except ProtocolError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, ImportError, RuntimeError) as exc:
        raise ProtocolError(f"bad {tag!r} value: {type(exc).__name__}") from None
    raise ProtocolError(f"unknown tag {str(tag)[:40]!r}")


# --------------------------------------------------------------------------- encoding (test -> kernel)

def encode(x, link: "KernelLink", depth: int = 0):
    """A test's argument for the kernel: plain data, a proxy (sent back as its reference) or a
    callable of the test (sent as a callback the kernel can invoke)."""
    if depth > MAX_DEPTH:
        raise TypeError("argument nested too deeply")
    t = type(x)
    e = lambda y: encode(y, link, depth + 1)  # noqa: E731
    if x is None or t in (bool, int, float, str):
        return x
    if t is list:
        return [e(v) for v in x]
    if t is tuple:
        return {"$": "tuple", "v": [e(v) for v in x]}
    if t in (bytes, bytearray):
        return {"$": "bytes", "b": base64.b64encode(bytes(x)).decode()}
    if t is complex:
        return {"$": "complex", "v": [x.real, x.imag]}
    if t in (set, frozenset):
        return {"$": t.__name__, "v": [e(v) for v in x]}
    if t is slice:
        return {"$": "slice", "v": [e(x.start), e(x.stop), e(x.step)]}
    if x is Ellipsis:
        return {"$": "ellipsis"}
    names = {dict: "dict", collections.Counter: "Counter", collections.OrderedDict: "OrderedDict",
             collections.defaultdict: "defaultdict"}
    if t in names:
        ref = link.origin(x) if link is not None else None
        if ref is not None:  # a big table the kernel sent, handed back unchanged: its own object
            return {"$": "ref", "id": ref}
        return {"$": names[t], "v": [[e(k), e(v)] for k, v in x.items()]}
    if isinstance(x, RemoteObject):
        return {"$": "ref", "id": object.__getattribute__(x, "_id")}
    module = t.__module__.split(".")[0]
    if module == "numpy":
        import numpy as np

        if t is np.ndarray and x.dtype.kind in NUMERIC_KINDS and x.dtype.fields is None:
            return {"$": "ndarray", "dtype": x.dtype.str, "shape": list(x.shape),
                    "b": base64.b64encode(np.ascontiguousarray(x).tobytes()).decode()}
        if isinstance(x, np.generic) and x.dtype.kind in NUMERIC_KINDS:
            return {"$": "npscalar", "dtype": x.dtype.str, "b": base64.b64encode(x.tobytes()).decode()}
        if t is np.dtype:
            return {"$": "npdtype", "v": x.str}
    if module == "torch":
        import torch

        if isinstance(x, torch.Tensor) and x.layout == torch.strided:
            data = x.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
            return {"$": "tensor", "dtype": str(x.dtype).replace("torch.", ""), "shape": list(x.shape),
                    "b": base64.b64encode(data).decode(), "grad": bool(x.requires_grad),
                    "param": isinstance(x, torch.nn.Parameter)}
        if t is torch.Size:
            return {"$": "torchsize", "v": list(x)}
        if t is torch.dtype:
            return {"$": "torchdtype", "v": str(x).replace("torch.", "")}
    if t is type(builtins):
        return {"$": "module", "name": x.__name__}
    if isinstance(x, type) and x.__module__.split(".")[0] in NAMED_PACKAGES:
        return {"$": "global", "module": x.__module__, "qualname": x.__qualname__}
    if callable(x):
        return {"$": "cb", "id": link.register_callback(x)}
    raise TypeError(f"cannot pass a {t.__qualname__} to the student's code: only plain data, "
                    "functions and the student's own objects can be sent")


# --------------------------------------------------------------------------- proxies

class RemoteObject:
    """A function, class or instance living in the student's kernel. Operations on it are requests;
    comparisons and truth tests are refused (see :data:`NOT_DATA`)."""

    __slots__ = ("_link", "_id", "_type", "_isa", "__weakref__")

    def __init__(self, link: "KernelLink", ref_id: int, type_name: str, isa: type | None):
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_id", ref_id)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_isa", isa)

    def _ask(self, op: str, **fields):
        link = object.__getattribute__(self, "_link")
        return link.request({"op": op, "ref": object.__getattribute__(self, "_id"), **fields})

    @property
    def __class__(self):  # isinstance(module_proxy, nn.Module) for a student's nn.Module subclass
        return object.__getattribute__(self, "_isa") or type(self)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __setattr__(self, name: str, value) -> None:
        link = object.__getattribute__(self, "_link")
        self._ask("setattr", name=name, value=encode(value, link))

    def __call__(self, *args, **kwargs):
        link = object.__getattribute__(self, "_link")
        return self._ask("call", args=encode(list(args), link), kwargs=[[k, encode(v, link)] for k, v in kwargs.items()])

    def __getitem__(self, key):
        return self._ask("getitem", key=encode(key, object.__getattribute__(self, "_link")))

    def __len__(self) -> int:
        n = self._ask("len")
        if type(n) is not int or n < 0:
            raise TypeError("len() of a student object did not give a non-negative int")
        return n

    def __iter__(self):
        iterator = self._ask("iter")
        if not isinstance(iterator, RemoteObject):
            raise TypeError("iter() of a student object did not give an iterator")
        link = object.__getattribute__(self, "_link")
        ref = object.__getattribute__(iterator, "_id")
        while True:
            try:
                yield link.request({"op": "next", "ref": ref})
            except StopIteration:
                return

    def __repr__(self) -> str:
        return f"<student's {str(object.__getattribute__(self, '_type'))[:60]}>"

    __str__ = __repr__

    def __hash__(self) -> int:
        return id(self)

    def _refuse(self, *args):
        raise TypeError(NOT_DATA)

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __array__ = __contains__ = _refuse
    __float__ = __int__ = __index__ = __complex__ = _refuse


class RemoteClass(RemoteObject):
    """A class defined by the student: calling it makes an instance in the kernel."""

    __slots__ = ()

    def __instancecheck__(self, obj) -> bool:
        if not isinstance(obj, RemoteObject) or object.__getattribute__(obj, "_link") is not object.__getattribute__(self, "_link"):
            return False
        link = object.__getattribute__(self, "_link")
        answer = link.request({"op": "isinstance", "ref": object.__getattribute__(obj, "_id"),
                               "cls": object.__getattribute__(self, "_id")})
        return answer is True


_module_classes: dict[tuple[type, str], type] = {}


def _isinstance_class(mro: list) -> type | None:
    """For an instance of a student class derived from ``torch.nn.Module``: a class here that derives
    from the same torch base, so ``isinstance(proxy, nn.Module)`` holds. Only torch.nn bases count."""
    if not isinstance(mro, list):
        return None
    for entry in mro[:32]:
        module, _, qualname = str(entry).partition(":")
        if not module.startswith("torch.nn") or "<" in qualname:
            continue
        try:
            base = _import_named(module, qualname)
            import torch

            if issubclass(base, torch.nn.Module):
                key = (base, "remote")
                if key not in _module_classes:  # never instantiated: only answers isinstance()
                    _module_classes[key] = type(f"Student{base.__name__}", (base,), {})
                return _module_classes[key]
        except (ProtocolError, ImportError, AttributeError, TypeError):
            continue
    return None


# --------------------------------------------------------------------------- the link

class KernelLink:
    """Requests to one student kernel over its stdin channel (see the module docstring).

    ``connection`` is the kernel's connection info (ports, key); ``interrupt`` interrupts the kernel;
    ``alive`` says whether it still runs. ``deadline`` (``time.monotonic()``) bounds every wait."""

    def __init__(self, connection: dict, interrupt, alive, max_reply_bytes: int = 16 * 1024 * 1024):
        self.connection, self.interrupt, self.alive = connection, interrupt, alive
        self.max_reply_bytes = max_reply_bytes
        self.session = Session(key=connection["key"] if isinstance(connection["key"], bytes) else connection["key"].encode(),
                               signature_scheme=connection.get("signature_scheme", "hmac-sha256"))
        self.context = zmq.Context()
        self.identity = uuid.uuid4().hex.encode()
        self.shell = self._socket("shell_port")
        self.stdin = self._socket("stdin_port")
        self.deadline = math.inf
        self.broken: str | None = None
        self._serving: dict | None = None  # the pending input_request while the agent serves
        self._execute_id: str | None = None
        self._proxies: dict[int, RemoteObject] = {}
        self._callbacks: dict[int, object] = {}
        self._origins: dict[int, tuple] = {}  # id(table) -> (table, kernel ref, fingerprint)

    def _socket(self, port_key: str):
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.IDENTITY, self.identity)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, 2 * self.max_reply_bytes + 1024 * 1024)  # bigger: the link drops
        c = self.connection
        address = f"ipc://{c['ip']}-{c[port_key]}" if c["transport"] == "ipc" else f"tcp://{c['ip']}:{c[port_key]}"
        sock.connect(address)
        return sock

    def close(self) -> None:
        self.context.destroy(linger=0)

    # -- proxies and callbacks

    def proxy(self, ref: dict) -> RemoteObject:
        ref_id = ref["id"]
        if ref_id not in self._proxies:
            kind = ref.get("kind")
            type_name = str(ref.get("type", "object"))
            if kind == "class":
                self._proxies[ref_id] = RemoteClass(self, ref_id, type_name, None)
            else:
                self._proxies[ref_id] = RemoteObject(self, ref_id, type_name, _isinstance_class(ref.get("mro")))
        return self._proxies[ref_id]

    def remember(self, table, ref_id: int) -> None:
        """A big table the kernel sent (and keeps as ``ref_id``), with a fingerprint of its content."""
        try:
            self._origins[id(table)] = (table, ref_id, hash(frozenset(table.items())))
        except TypeError:  # unhashable values: always sent as data
            pass

    def origin(self, table) -> int | None:
        """The kernel's reference for ``table`` if the grader has not changed it since it came over.
        Only the student's own data goes back this way; the grader's values are always sent as data."""
        entry = self._origins.get(id(table))
        if entry is None or entry[0] is not table:
            return None
        try:
            return entry[1] if hash(frozenset(table.items())) == entry[2] else None
        except TypeError:
            return None

    def register_callback(self, function) -> int:
        key = len(self._callbacks) + 1
        self._callbacks[key] = function
        return key

    # -- the exchange

    def _wait(self) -> tuple[str, dict]:
        """The next message from the kernel on stdin or shell, within the deadline."""
        poller = zmq.Poller()
        poller.register(self.stdin, zmq.POLLIN)
        poller.register(self.shell, zmq.POLLIN)
        next_alive_check = time.monotonic() + 1.0
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                raise KernelTimeout("the student's code did not answer in time")
            ready = dict(poller.poll(max(1, int(min(self.deadline - now, 0.5) * 1000))))
            for sock, name in ((self.stdin, "stdin"), (self.shell, "shell")):
                if sock in ready:
                    _, msg = self.session.recv(sock, mode=zmq.NOBLOCK)
                    if msg is None:
                        continue
                    if name == "shell" and msg["parent_header"].get("msg_id") != self._execute_id:
                        continue
                    return name, msg
            if time.monotonic() > next_alive_check:
                next_alive_check = time.monotonic() + 1.0
                if not self.alive():
                    raise KernelGone("the kernel died")

    def _parse(self, msg: dict) -> dict:
        prompt = msg.get("content", {}).get("prompt")
        _need(isinstance(prompt, str), "input_request without a prompt")
        _need(len(prompt) <= self.max_reply_bytes, f"answer larger than {self.max_reply_bytes} bytes")
        try:
            message = json.loads(prompt)
        except (ValueError, RecursionError):
            raise ProtocolError("answer is not JSON") from None
        _need(type(message) is dict, "answer is not an object")
        return message

    def _start(self) -> None:
        if self.broken:
            raise KernelGone(self.broken)
        msg = self.session.send(self.shell, "execute_request",
                                {"code": f"exec({BOOT!r}, {{'SRC': {AGENT_SOURCE!r}}})", "silent": True,
                                 "store_history": False, "allow_stdin": True, "user_expressions": {},
                                 "stop_on_error": False})
        self._execute_id = msg["header"]["msg_id"]
        channel, reply = self._guarded_wait()
        if channel == "shell":
            self._execute_id = None
            raise ProtocolError("the kernel did not start the grader's agent")
        _need(self._parse(reply).get("kind") == "ready", "the agent did not say it was ready")
        self._serving = reply

    def _guarded_wait(self) -> tuple[str, dict]:
        try:
            return self._wait()
        except KernelTimeout:
            self._recover()
            raise
        except KernelGone as exc:
            self.broken = str(exc)
            raise

    def _recover(self) -> None:
        """After a timeout: interrupt the kernel and give it a moment to answer; else give up on it."""
        self.interrupt()
        self.deadline = time.monotonic() + 5
        try:
            while True:
                channel, msg = self._wait()
                if channel == "shell":  # the agent's request ended (interrupted): start afresh next time
                    self._serving, self._execute_id = None, None
                    return
                self._serving = msg  # an answer (e.g. KeyboardInterrupt) to the timed-out request
                self.end()
                return
        except RemoteError:
            self.broken = "the kernel stopped answering after an interrupt"
        finally:
            self.deadline = time.monotonic()  # the cell's time is over either way

    def _send(self, message: dict) -> None:
        self.session.send(self.stdin, "input_reply", {"value": json.dumps(message)}, parent=self._serving)
        self._serving = None

    def request(self, message: dict):
        """Send one request; handle the kernel's callbacks; return the decoded value or raise."""
        if time.monotonic() >= self.deadline:
            raise KernelTimeout("no time left for the student's code")
        if self._serving is None:
            self._start()
        self._send(message)
        while True:
            channel, reply = self._guarded_wait()
            if channel == "shell":
                self._serving, self._execute_id = None, None
                raise ProtocolError("the agent stopped serving")
            self._serving = reply
            answer = self._parse(reply)
            kind = answer.get("kind")
            if kind == "value":
                return decode(answer.get("value"), self)
            if kind == "error":
                raise self._error(answer)
            if kind == "callback":
                self._send(self._run_callback(answer))
                continue
            raise ProtocolError(f"unexpected answer {str(kind)[:40]!r}")

    def _error(self, answer: dict) -> BaseException:
        names = answer.get("etype")
        if names and isinstance(names, list) and names[0] == "builtins:StopIteration":
            return StopIteration()
        return student_exception(names, answer.get("message", ""))

    def _run_callback(self, answer: dict) -> dict:
        function = self._callbacks.get(answer.get("id"))
        try:
            _need(function is not None, "unknown callback")
            args = decode(answer.get("args"), self)
            _need(type(args) is list and type(answer.get("kwargs")) is list, "bad callback arguments")
            kwargs = {str(k): decode(v, self) for k, v in answer["kwargs"]}
            return {"op": "return", "value": encode(function(*args, **kwargs), self)}
        except RemoteError:
            raise
        except Exception as exc:  # the test's own function failed: the student's code sees that exception
            return {"op": "raise", "etype": type(exc).__name__ if hasattr(builtins, type(exc).__name__) else "RuntimeError",
                    "message": ""}

    def lookup(self, name: str):
        """The value of a global name of the student's notebook (KeyError when it has none)."""
        try:
            return self.request({"op": "get", "name": name})
        except NameError as exc:
            if isinstance(exc, StudentError):
                raise KeyError(name) from None
            raise

    def end(self) -> None:
        """End the agent's request (after each cell run here): the kernel is free for the next cell."""
        if self._serving is None:
            return
        self._send({"op": "done"})
        self.deadline = max(self.deadline, time.monotonic() + 5)
        try:
            while True:
                channel, msg = self._wait()
                if channel == "shell":
                    break
                self._serving = msg  # an unexpected request: keep saying done
                self._send({"op": "done"})
        except RemoteError:
            self.broken = "the kernel did not finish the grader's request"
        self._execute_id = None
        self._callbacks.clear()


class GraderNamespace(dict):
    """Globals of the test cells: the notebook's shared (set-up) cells run here too; any other name is
    looked up in the student's kernel (plain data or a proxy). Built-ins are never looked up there."""

    def __init__(self, link: KernelLink):
        super().__init__(__builtins__=builtins, __name__="__main__")
        self.link = link

    def __missing__(self, name: str):
        if hasattr(builtins, name) or (name.startswith("__") and name.endswith("__")):
            raise KeyError(name)
        return self.link.lookup(name)

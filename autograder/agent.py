"""The part of the grader that runs INSIDE the student's sandboxed kernel: it answers the grader's
requests about the student's objects with plain data.

Nothing here is trusted. A submission can replace, patch or imitate this code; all it can achieve is
to answer requests differently, which is no more than what its own answer cells could compute. The
verdict is decided by the grader (see :mod:`autograder.remote`), on values it decodes itself.

This file is self-contained (standard library only, numpy and torch if the student's code already
uses them): the grader sends its source text into the kernel, which has no access to the repository.

Protocol (one JSON text per message; binary data base64-encoded):

- the grader sends ``execute_request`` of :data:`BOOT` with ``allow_stdin``; the kernel runs
  :func:`serve`, which sends ``input_request`` with prompt ``{"kind": "ready"}``;
- the grader's ``input_reply`` carries a request (``{"op": "call", ...}``) and the kernel's next
  ``input_request`` carries its answer (``{"kind": "value", "value": ...}`` or ``{"kind": "error"}``),
  or a callback (``{"kind": "callback", ...}``) when student code calls a function the test passed;
- ``{"op": "done"}`` ends :func:`serve` and the ``execute_request``.
"""
import base64
import builtins
import json
import sys

_objects = {}  # ref id -> object (kept alive while the kernel lives)
_ids = {}  # id(object) -> ref id
# Classes and modules of these packages are named, not proxied: the grader uses its own copy.
NAMED_PACKAGES = ("builtins", "collections", "math", "numpy", "torch", "fractions", "decimal", "itertools",
                  "functools", "operator", "statistics", "string", "re", "random", "typing", "dataclasses",
                  "llm_shikumi", "fugashi", "unidic_lite")
MAX_DEPTH = 64


def _ref(obj):
    key = id(obj)
    if key not in _ids or _objects.get(_ids[key]) is not obj:
        _ids[key] = len(_objects) + 1
        _objects[_ids[key]] = obj
    cls = type(obj)
    kind = "class" if isinstance(obj, type) else "object"
    mro = [f"{c.__module__}:{c.__qualname__}" for c in cls.__mro__] if kind == "object" else []
    return {"$": "ref", "id": _ids[key], "kind": kind, "type": getattr(obj, "__qualname__", cls.__qualname__)
            if kind == "class" else cls.__qualname__, "mro": mro[:32]}


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _named(obj):
    module = getattr(obj, "__module__", None) or ""
    qualname = getattr(obj, "__qualname__", "")
    if module.split(".")[0] not in NAMED_PACKAGES or "<" in qualname:
        return None
    target = sys.modules.get(module)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return {"$": "global", "module": module, "qualname": qualname} if target is obj else None


def encode(x, depth=0):
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    t = type(x)
    if x is None or t in (bool, int, float, str):
        return x
    if t is list:
        return [encode(v, depth + 1) for v in x]
    if t is tuple:
        return {"$": "tuple", "v": [encode(v, depth + 1) for v in x]}
    if t is bytes:
        return {"$": "bytes", "b": _b64(x)}
    if t is complex:
        return {"$": "complex", "v": [x.real, x.imag]}
    if t in (set, frozenset):
        return {"$": t.__name__, "v": [encode(v, depth + 1) for v in x]}
    if t is slice:
        return {"$": "slice", "v": [encode(x.start, depth + 1), encode(x.stop, depth + 1), encode(x.step, depth + 1)]}
    if x is Ellipsis:
        return {"$": "ellipsis"}
    mapping = {dict: "dict"}
    collections = sys.modules.get("collections")
    if collections is not None:
        mapping.update({collections.Counter: "Counter", collections.OrderedDict: "OrderedDict",
                        collections.defaultdict: "defaultdict"})
    if t in mapping:
        out = {"$": mapping[t], "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in x.items()]}
        if len(x) >= 256:  # big tables: the grader may hand this very object back by reference
            out["ref"] = _ref(x)["id"]
        return out
    np = sys.modules.get("numpy")
    if np is not None:
        if t is np.ndarray and x.dtype.kind in "biufc" and not x.dtype.hasobject and x.dtype.fields is None:
            return {"$": "ndarray", "dtype": x.dtype.str, "shape": list(x.shape),
                    "b": _b64(np.ascontiguousarray(x).tobytes())}
        if isinstance(x, np.generic) and t.__module__ == "numpy" and x.dtype.kind in "biufc":
            return {"$": "npscalar", "dtype": x.dtype.str, "b": _b64(x.tobytes())}
        if t is np.dtype and x.kind in "biufc":
            return {"$": "npdtype", "v": x.str}
    torch = sys.modules.get("torch")
    if torch is not None:
        if t in (torch.Tensor, torch.nn.Parameter) and x.layout == torch.strided and not x.is_quantized:
            data = x.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
            return {"$": "tensor", "dtype": str(x.dtype).replace("torch.", ""), "shape": list(x.shape), "b": _b64(data),
                    "grad": bool(x.requires_grad), "param": t is torch.nn.Parameter}
        if t is torch.Size:
            return {"$": "torchsize", "v": list(x)}
        if t is torch.dtype:
            return {"$": "torchdtype", "v": str(x).replace("torch.", "")}
    if t.__name__ == "module" and t is type(sys):
        return {"$": "module", "name": x.__name__}
    if isinstance(x, type):
        named = _named(x)
        if named:
            return named
    return _ref(x)


class _Callback:
    """A function of the test, called from student code: the grader runs it and sends back the value."""

    def __init__(self, link, ref):
        self._link, self._ref = link, ref

    def __call__(self, *args, **kwargs):
        return self._link.callback(self._ref, args, kwargs)

    def __repr__(self):
        return "<function of the grader's test>"


def decode(x, link, depth=0):
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    if isinstance(x, list):
        return [decode(v, link, depth + 1) for v in x]
    if not isinstance(x, dict):
        return x
    tag, v = x.get("$"), x.get("v")
    d = lambda y: decode(y, link, depth + 1)  # noqa: E731
    if tag == "tuple":
        return tuple(map(d, v))
    if tag in ("set", "frozenset"):
        return {"set": set, "frozenset": frozenset}[tag](map(d, v))
    if tag == "bytes":
        return base64.b64decode(x["b"])
    if tag == "complex":
        return complex(*v)
    if tag == "slice":
        return slice(*map(d, v))
    if tag == "ellipsis":
        return Ellipsis
    if tag in ("dict", "Counter", "OrderedDict", "defaultdict"):
        import collections

        items = [(d(k), d(val)) for k, val in v]
        if tag == "defaultdict":
            return collections.defaultdict(None, items)
        return {"dict": dict, "Counter": collections.Counter, "OrderedDict": collections.OrderedDict}[tag](dict(items))
    if tag == "ndarray" or tag == "npscalar":
        import numpy as np

        array = np.frombuffer(base64.b64decode(x["b"]), dtype=np.dtype(x["dtype"]))
        return array.reshape(x["shape"]).copy() if tag == "ndarray" else array[0]
    if tag == "npdtype":
        import numpy as np

        return np.dtype(v)
    if tag in ("tensor", "torchsize", "torchdtype"):
        import torch

        if tag == "torchsize":
            return torch.Size(v)
        if tag == "torchdtype":
            return getattr(torch, v)
        dtype = getattr(torch, x["dtype"])
        raw = base64.b64decode(x["b"])
        t = (torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(x["shape"]) if raw
             else torch.empty(x["shape"], dtype=dtype))
        t = t.clone().requires_grad_(x.get("grad", False)) if t.is_floating_point() else t.clone()
        return torch.nn.Parameter(t, requires_grad=x.get("grad", False)) if x.get("param") else t
    if tag == "module":
        import importlib

        return importlib.import_module(x["name"])
    if tag == "global":
        import importlib

        target = importlib.import_module(x["module"])
        for part in x["qualname"].split("."):
            target = getattr(target, part)
        return target
    if tag == "ref":
        return _objects[x["id"]]
    if tag == "cb":
        return _Callback(link, x["id"])
    raise ValueError(f"unknown tag {tag!r}")


def _error(exc):
    names = [f"{c.__module__}:{c.__qualname__}" for c in type(exc).__mro__][:16]
    try:
        message = str(exc)[:500]
    except Exception:  # a student exception whose __str__ fails
        message = ""
    return {"kind": "error", "etype": names, "message": message}


class _Link:
    def __init__(self):
        from IPython import get_ipython

        self.shell = get_ipython()
        kernel = self.shell.kernel
        self.socket, self.session = kernel.stdin_socket, kernel.session
        self.ident, self.parent = kernel._parent_ident["shell"], kernel.get_parent("shell")

    def exchange(self, message):
        """Send ``message`` to the grader; return the grader's next message."""
        self.session.send(self.socket, "input_request", {"prompt": json.dumps(message), "password": False},
                          self.parent, ident=self.ident)
        while True:
            if self.socket.poll(100):
                _, reply = self.session.recv(self.socket)
                if reply is not None:
                    return json.loads(reply["content"]["value"])

    def handle(self, request):
        try:
            return {"kind": "value", "value": encode(self._do(request))}
        except BaseException as exc:  # noqa: BLE001 - every failure is an answer
            return _error(exc)

    def _do(self, r):
        op = r["op"]
        if op == "get":
            namespace = self.shell.user_ns
            if r["name"] not in namespace:
                raise NameError(r["name"])
            return namespace[r["name"]]
        obj = _objects[r["ref"]] if "ref" in r else None
        if op == "getattr":
            return getattr(obj, r["name"])
        if op == "setattr":
            setattr(obj, r["name"], decode(r["value"], self))
            return None
        if op == "call":
            args = decode(r["args"], self)
            kwargs = {k: decode(v, self) for k, v in r["kwargs"]}
            return obj(*args, **kwargs)
        if op == "getitem":
            return obj[decode(r["key"], self)]
        if op == "len":
            return len(obj)
        if op == "iter":
            return iter(obj)
        if op == "next":
            try:
                return {"$next": next(obj)}["$next"]
            except StopIteration:
                raise StopIteration("end") from None
        if op == "isinstance":
            return isinstance(obj, _objects[r["cls"]])
        raise ValueError(f"unknown op {op!r}")

    def callback(self, ref, args, kwargs):
        message = self.exchange({"kind": "callback", "id": ref, "args": encode(list(args)),
                                 "kwargs": [[k, encode(v)] for k, v in kwargs.items()]})
        while message.get("op") not in ("return", "raise"):  # the test's function asks things of ours
            message = self.exchange(self.handle(message))
        if message["op"] == "raise":
            exc = getattr(builtins, message.get("etype", ""), None)
            if not (isinstance(exc, type) and issubclass(exc, Exception)):
                exc = RuntimeError
            raise exc(message.get("message", ""))
        return decode(message["value"], self)


def serve():
    link = _Link()
    message = link.exchange({"kind": "ready"})
    while message.get("op") != "done":
        message = link.exchange(link.handle(message))

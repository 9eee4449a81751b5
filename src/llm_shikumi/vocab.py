"""語彙 (vocabulary): a two-way map between tokens and integer IDs, and one-hot vectors.

The chapters on one-hot vectors, N-gram models and word2vec all turn morphemes into IDs
with the same class, so that "ID 3" means the same thing everywhere::

    >>> from llm_shikumi.vocab import Vocabulary, one_hot
    >>> vocab = Vocabulary.from_tokens("すもも も もも も もも の うち".split())
    >>> vocab.encode(["もも", "の", "うち"])
    [2, 3, 4]
    >>> one_hot([0, 1], size=len(vocab), dtype=int)
    array([[1, 0, 0, 0, 0],
           [0, 1, 0, 0, 0]])

ID order
    ``order="first"`` (the default): special tokens first, then every other token in the
    order of its *first occurrence* in the input. Deterministic, and easy to follow by hand
    (the example above). ``order="frequency"``: special tokens first, then tokens by
    decreasing count, ties broken by first occurrence (the usual choice for word2vec,
    where frequent words get small IDs).

Unknown tokens
    When ``unk_token`` (default ``"<unk>"``) is in the vocabulary, :meth:`Vocabulary.encode`
    maps tokens it has never seen to its ID; otherwise it raises :class:`KeyError`. The
    default ``specials=()`` has no ``<unk>``: pass ``specials=("<unk>",)`` to get one (it
    then takes ID 0).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Literal

import numpy as np

UNK = "<unk>"

Order = Literal["first", "frequency"]


def _flatten(tokens: Iterable[str] | Iterable[Iterable[str]]) -> list[str]:
    """A flat list of tokens from a token list or a list of token lists (sentences)."""
    if isinstance(tokens, str):
        raise TypeError(
            "expected a list of tokens (e.g. tokenize(text)) or a list of token lists, "
            f"got the string {tokens[:20]!r}; split it into tokens first"
        )
    flat: list[str] = []
    for item in tokens:
        if isinstance(item, str):
            flat.append(item)
        elif isinstance(item, Iterable):
            for token in item:
                if not isinstance(token, str):
                    raise TypeError(f"tokens must be str, got {type(token).__name__}: {token!r}")
                flat.append(token)
        else:
            raise TypeError(f"tokens must be str, got {type(item).__name__}: {item!r}")
    return flat


class Vocabulary:
    """An ordered set of tokens: token <-> ID, with the counts it was built from.

    Build one with :meth:`from_tokens`; the constructor takes the tokens already in ID
    order (``tokens[i]`` gets ID ``i``), e.g. to rebuild a saved vocabulary.
    """

    def __init__(self, tokens: Iterable[str], *, unk_token: str | None = UNK,
                 counts: Mapping[str, int] | None = None) -> None:
        self._id_to_token: tuple[str, ...] = tuple(tokens)
        self._token_to_id: dict[str, int] = {}
        for i, token in enumerate(self._id_to_token):
            if not isinstance(token, str):
                raise TypeError(f"tokens must be str, got {type(token).__name__}: {token!r}")
            if token in self._token_to_id:
                raise ValueError(f"duplicate token {token!r} at IDs {self._token_to_id[token]} and {i}")
            self._token_to_id[token] = i
        self._unk_token = unk_token
        self._counts: Counter[str] = Counter(counts or {})

    # --- building -------------------------------------------------------------------
    @classmethod
    def from_tokens(cls, tokens: Iterable[str] | Iterable[Iterable[str]], *, min_count: int = 1,
                    specials: Sequence[str] = (), order: Order = "first",
                    unk_token: str | None = UNK, max_size: int | None = None) -> "Vocabulary":
        """Build a vocabulary from ``tokens`` (one token list, or a list of sentences' token lists).

        - ``min_count``: tokens seen fewer times are left out (they become unknown).
        - ``specials``: tokens such as ``"<unk>"``, ``"<s>"``, ``"</s>"`` that get the first
          IDs, in the given order, whether or not they occur in ``tokens``.
        - ``order``: ``"first"`` (first occurrence) or ``"frequency"`` (most frequent first,
          ties by first occurrence).
        - ``unk_token``: the token that unknown tokens map to in :meth:`encode`, if it is
          in the vocabulary (i.e. listed in ``specials``).
        - ``max_size``: keep at most this many tokens in total, specials included.
        """
        if min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {min_count}")
        if order not in ("first", "frequency"):
            raise ValueError(f"order must be 'first' or 'frequency', got {order!r}")
        flat = _flatten(tokens)
        counts = Counter(flat)  # Counter keeps first-occurrence order of its keys
        words = [t for t, c in counts.items() if c >= min_count and t not in specials]
        if order == "frequency":
            words.sort(key=lambda t: -counts[t])  # stable: ties stay in first-occurrence order
        itos = list(dict.fromkeys(specials)) + words
        if max_size is not None:
            if max_size < len(dict.fromkeys(specials)):
                raise ValueError(f"max_size={max_size} is smaller than the number of specials")
            itos = itos[:max_size]
        return cls(itos, unk_token=unk_token, counts=counts)

    # --- lookup ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._id_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self._token_to_id

    def __iter__(self) -> Iterator[str]:
        """The tokens in ID order."""
        return iter(self._id_to_token)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Vocabulary) and self._id_to_token == other._id_to_token
                and self._unk_token == other._unk_token)

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self._id_to_token[:8])
        more = ", ..." if len(self) > 8 else ""
        return f"Vocabulary(size={len(self)}, tokens=[{head}{more}])"

    @property
    def tokens(self) -> tuple[str, ...]:
        """All tokens in ID order: ``tokens[i]`` has ID ``i``."""
        return self._id_to_token

    @property
    def token_to_id(self) -> Mapping[str, int]:
        """Read-only ``{token: id}``."""
        return MappingProxyType(self._token_to_id)

    @property
    def id_to_token(self) -> tuple[str, ...]:
        """Same as :attr:`tokens`."""
        return self._id_to_token

    @property
    def unk_token(self) -> str | None:
        return self._unk_token

    @property
    def unk_id(self) -> int | None:
        """The ID unknown tokens map to, or ``None`` when the vocabulary has no unknown token."""
        if self._unk_token is None:
            return None
        return self._token_to_id.get(self._unk_token)

    @property
    def counts(self) -> Counter[str]:
        """How often each token occurred in the input of :meth:`from_tokens` (all tokens, also
        those left out by ``min_count``). A copy: changing it does not change the vocabulary."""
        return Counter(self._counts)

    def index(self, token: str) -> int:
        """The ID of ``token`` (the unknown token's ID if it is not in the vocabulary)."""
        i = self._token_to_id.get(token)
        if i is not None:
            return i
        unk = self.unk_id
        if unk is None:
            raise KeyError(
                f"token {token!r} is not in the vocabulary ({len(self)} tokens) and the vocabulary "
                f"has no unknown token; build it with specials=({UNK!r},) to map unknown tokens"
            )
        return unk

    def token(self, i: int) -> str:
        """The token with ID ``i``."""
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"an ID must be an int, got {type(i).__name__}: {i!r}")
        if not 0 <= i < len(self):
            raise IndexError(f"ID {i} is out of range for a vocabulary of {len(self)} tokens (0..{len(self) - 1})")
        return self._id_to_token[int(i)]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Token list -> ID list. Unknown tokens -> the unknown ID, or :class:`KeyError`."""
        if isinstance(tokens, str):
            raise TypeError(f"encode expects a list of tokens, got the string {tokens[:20]!r}")
        return [self.index(t) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """ID list -> token list."""
        if isinstance(ids, np.ndarray):
            ids = ids.reshape(-1).tolist()  # numpy/torch-style arrays -> plain ints
        return [self.token(i) for i in ids]

    def id_counts(self) -> np.ndarray:
        """Counts aligned with IDs, shape ``(len(self),)``: ``id_counts()[i]`` is how often token ``i``
        occurred. The unknown token (if any) gets the total count of the tokens left out."""
        out = np.array([self._counts.get(t, 0) for t in self._id_to_token], dtype=np.int64)
        unk = self.unk_id
        if unk is not None:
            out[unk] += sum(c for t, c in self._counts.items() if t not in self._token_to_id)
        return out


def one_hot(ids: Sequence[int] | np.ndarray, size: int, dtype=np.float32) -> np.ndarray:
    """One-hot 表現 (one-hot encoding): row ``k`` is all zeros except a 1 in column ``ids[k]``.

    Returns an array of shape ``(len(ids), size)``. Same values as
    ``torch.nn.functional.one_hot(torch.tensor(ids), size)`` (which returns int64; the default
    here is float32, ready to be multiplied by a weight matrix).
    """
    idx = np.asarray(ids)
    if idx.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence of IDs, got shape {idx.shape}")
    if idx.size == 0:
        return np.zeros((0, size), dtype=dtype)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {idx.dtype}")
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    if idx.min() < 0 or idx.max() >= size:
        bad = int(idx[(idx < 0) | (idx >= size)][0])
        raise ValueError(f"ID {bad} is out of range for size={size} (0..{size - 1})")
    out = np.zeros((idx.shape[0], size), dtype=dtype)  # (N, V)
    out[np.arange(idx.shape[0]), idx] = 1
    return out


def bag_of_words(ids: Sequence[int] | np.ndarray, size: int, binary: bool = False,
                 dtype=np.float32) -> np.ndarray:
    """Bag-of-words (BoW) vector of shape ``(size,)``: the sum of the one-hot rows of ``ids``,
    i.e. how often each ID occurs; with ``binary=True``, 1 if it occurs at all."""
    vec = one_hot(ids, size, dtype=dtype).sum(axis=0, dtype=dtype)  # (N, V) -> (V,)
    return (vec > 0).astype(dtype) if binary else vec


def cosine_similarity_matrix(x: np.ndarray) -> np.ndarray:
    """Cosine similarity between every pair of rows of ``x`` (shape ``(N, D)``) -> ``(N, N)``.
    A zero row has similarity 0 with everything."""
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)  # (N, 1)
    unit = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)  # (N, D)
    return unit @ unit.T  # (N, N)

"""検索拡張生成 (RAG, retrieval-augmented generation) over this book's own chapters (chapter 12).

The four stages (Lewis et al. 2020):

1. 索引づけ (indexing): the markdown prose of ``chapters/*.ipynb`` is read at run time, cleaned of
   MyST roles, and cut into passages (:func:`book_passages`); each passage is turned into terms by
   MeCab (fugashi + unidic-lite, :func:`search_terms`) and into an index.
2. 検索 (retrieval): a query is scored against every passage by a sparse index (:class:`TfidfIndex`,
   :class:`BM25Index`) or a dense one (:class:`DenseIndex`: averaged word vectors, cosine), and the
   best ``k`` are taken with a deterministic tie-break (:func:`top_k`). Evaluated offline with
   :func:`recall_at_k` on the course's questions (:func:`load_questions`).
3. 拡張 (augmentation): the retrieved passages and the question go into a prompt within a character
   budget (:func:`build_prompt`).
4. 生成 (generation): a pretrained instruction model where the network is (:func:`generate_answer`
   with :func:`llm_shikumi.hub.load_causal_lm`), and offline an explicitly extractive stand-in
   (:func:`extractive_answer`) that copies the best-matching sentence: it generates nothing.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from llm_shikumi.morphology import analyze

QUESTIONS_FILE = Path(__file__).with_name("data") / "rag_questions.json"
REPOSITORY_URL = "https://github.com/llm-shikumi/llm-shikumi"

# Sections that carry no content of their own: left out of the index.
SKIPPED_SECTIONS = ("参考文献", "次の章へ")
# UniDic pos1 left out of the search terms: function words and symbols.
STOP_POS = ("助詞", "助動詞", "補助記号", "記号", "空白")


# ---------------------------------------------------------------------------------------------
# 1. Indexing: the book's prose as passages
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Passage:
    """One passage of the book: a piece of a section's prose, and where it comes from."""

    chapter: str  # docname, e.g. "chapters/04_word2vec"
    chapter_title: str  # the chapter's "# " heading
    section: str  # the nearest "##" or "###" heading above the text ("" for the chapter's opening)
    text: str

    @property
    def label(self) -> str:
        """「第 4 章 分散表現と word2vec / 負例サンプリング」 style label for prompts and tables."""
        number = re.match(r"chapters/(\d+)_", self.chapter)
        head = f"第 {int(number.group(1))} 章" if number else self.chapter
        return f"{head}「{self.section or self.chapter_title}」"


_ROLE = re.compile(r"\{(?:glue:text|glue|cite|cite:p|cite:t|numref|ref|doc)\}`[^`]*`")
_FENCE = re.compile(r"```.*?```", re.S)
_HTML = re.compile(r"<!--.*?-->|</?(?:div|span|img|br|p|a|sup|sub|details|summary|table|tr|td|th|figure)\b[^>]*>", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def clean_markdown(text: str) -> str:
    """Markdown prose as a reader sees it, minus what is not text: MyST roles (``{glue:text}`x```,
    ``{cite}`k```: their values are not in the source), fenced blocks and directives, HTML comments and tags (not ``<unk>``-style tokens), images;
    links keep their words, emphasis markers go."""
    text = _FENCE.sub(" ", text)
    text = _ROLE.sub("", text)
    text = _HTML.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = text.replace("**", "").replace("`", "")
    return re.sub(r"[ \t]+", " ", text).strip()


def _split_long(text: str, max_chars: int) -> list[str]:
    """Cut ``text`` at paragraph (then sentence) boundaries into pieces of at most about ``max_chars``."""
    pieces, current = [], ""
    units = [u for p in re.split(r"\n\s*\n", text) for u in re.split(r"(?<=。)", p.replace("\n", "")) if u.strip()]
    for unit in units:
        if current and len(current) + len(unit) > max_chars:
            pieces.append(current)
            current = ""
        current += unit
    if current:
        pieces.append(current)
    return pieces


def chapter_passages(path: str | Path, max_chars: int = 500) -> list[Passage]:
    """The markdown cells of one chapter notebook, cleaned, cut at its ``##``/``###`` headings and
    then into pieces of at most about ``max_chars`` characters. 参考文献 and 次の章へ are left out."""
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    docname = f"chapters/{path.stem}"
    markdown = "\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    title, section, lines, sections = "", "", [], []
    for line in _FENCE.sub(" ", markdown).splitlines():
        heading = re.match(r"^(#{1,4})\s+(.*)$", line)
        if heading:
            sections.append((section, "\n".join(lines)))
            lines = []
            text = clean_markdown(heading.group(2)).replace("$", "")
            if len(heading.group(1)) == 1 and not title:
                title = text
            else:
                section = text
        else:
            lines.append(line)
    sections.append((section, "\n".join(lines)))
    passages = []
    for section, body in sections:
        if section in SKIPPED_SECTIONS:
            continue
        for piece in _split_long(clean_markdown(body), max_chars):
            if len(piece) >= 20:  # a stray line between a heading and a code cell is not a passage
                passages.append(Passage(docname, title, section, piece))
    return passages


def book_root(start: str | Path | None = None, clone_to: str | Path | None = None) -> Path:
    """The repository folder that holds ``chapters/`` (this book's source).

    Looks in ``start`` (default: the current folder) and its parents, then beside the installed
    package. In Colab the notebook is opened alone: pass ``clone_to`` to ``git clone`` the book there
    when it is not found (needs the network)."""
    candidates = []
    here = Path(start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    candidates += list(Path(__file__).resolve().parents)
    for folder in candidates:
        if (folder / "chapters").is_dir() and any((folder / "chapters").glob("*.ipynb")):
            return folder
    if clone_to is not None:
        target = Path(clone_to)
        if not (target / "chapters").is_dir():
            subprocess.run(["git", "clone", "--depth", "1", "--quiet", REPOSITORY_URL, str(target)], check=True)
        return target
    raise FileNotFoundError("本書の chapters/ フォルダーが見つかりません。リポジトリの中で実行するか、"
                            "book_root(clone_to=...) でリポジトリを取得してください。")


def book_passages(root: str | Path | None = None, exclude: Sequence[str] = ("12_",),
                  max_chars: int = 500) -> list[Passage]:
    """Passages of every chapter under ``root/chapters`` (in file order), leaving out the chapters
    whose file name starts with one of ``exclude`` (by default this RAG chapter itself)."""
    folder = Path(root or book_root()) / "chapters"
    passages = []
    for path in sorted(folder.glob("*.ipynb")):
        if not path.name.startswith(tuple(exclude)):
            passages += chapter_passages(path, max_chars)
    return passages


@lru_cache(maxsize=8192)
def _terms(text: str) -> tuple[str, ...]:
    out = []
    for m in analyze(unicodedata.normalize("NFKC", text)):
        if m.pos in STOP_POS or not m.surface.strip():
            continue
        out.append((m.base_form or m.surface).lower())
    return tuple(out)


def search_terms(text: str) -> list[str]:
    """The search terms of ``text``: MeCab morphemes (fugashi + unidic-lite) as 原形 (base form), NFKC
    and lower-cased, without particles, auxiliaries and symbols. 「負例をサンプリングする」 →
    ['負例', 'サンプリング', 'する']."""
    return list(_terms(text))


# ---------------------------------------------------------------------------------------------
# 2. Retrieval: sparse (TF-IDF, BM25) and dense (averaged word vectors) scores
# ---------------------------------------------------------------------------------------------

def top_k(scores: Sequence[float] | np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` highest scores, best first; equal scores in index order (the earlier
    document first), so the ranking is deterministic. ``k`` larger than the number of scores
    returns them all; ``k <= 0`` returns []."""
    scores = np.asarray(scores, dtype=np.float64)
    if k <= 0 or scores.size == 0:
        return []
    order = np.lexsort((np.arange(scores.size), -scores))  # last key first: score desc, then index asc
    return [int(i) for i in order[:k]]


class BM25Index:
    """Okapi BM25 (Robertson et al.) over tokenised documents.

    score(q, d) = Σ_{t in q} idf(t) · tf(t, d) (k1 + 1) / (tf(t, d) + k1 (1 - b + b |d| / avgdl))

    with idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5)) (the always-positive form Lucene uses).
    A query term repeated twice counts twice; terms not in the collection add 0."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.counts = [Counter(d) for d in documents]
        self.lengths = np.array([len(d) for d in documents], dtype=np.float64)  # (D,)
        self.n_docs = len(documents)
        self.avgdl = float(self.lengths.mean()) if self.n_docs and self.lengths.sum() > 0 else 1.0
        df = Counter(t for c in self.counts for t in c)
        self.idf = {t: math.log(1 + (self.n_docs - n + 0.5) / (n + 0.5)) for t, n in df.items()}

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query terms, shape (D,)."""
        out = np.zeros(self.n_docs)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avgdl)  # (D,)
        for term in query:
            if term not in self.idf:
                continue
            tf = np.array([c.get(term, 0) for c in self.counts], dtype=np.float64)  # (D,)
            present = tf > 0  # (k1 = 0 would give 0/0 where the term is absent)
            out[present] += self.idf[term] * tf[present] * (self.k1 + 1) / (tf[present] + norm[present])
        return out


class TfidfIndex:
    """TF-IDF vectors and cosine similarity: tf = count of the term in the document, idf(t) =
    ln((1 + N) / (1 + df(t))) + 1 (smoothed, as scikit-learn's default), every vector L2-normalised.
    Terms not in the collection are ignored; a query with no known term scores 0 everywhere."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.vocabulary = {t: i for i, t in enumerate(sorted({t for d in documents for t in d}))}
        n = len(documents)
        df = np.zeros(len(self.vocabulary))
        for d in documents:
            for t in set(d):
                df[self.vocabulary[t]] += 1
        self.idf = np.log((1 + n) / (1 + df)) + 1  # (V,)
        self.matrix = np.stack([self.vector(d) for d in documents]) if n else np.zeros((0, len(self.vocabulary)))  # (D, V)

    def vector(self, terms: Iterable[str]) -> np.ndarray:
        """The L2-normalised TF-IDF vector of ``terms``, shape (V,)."""
        v = np.zeros(len(self.vocabulary))
        for t, c in Counter(terms).items():
            if t in self.vocabulary:
                v[self.vocabulary[t]] = c
        v *= self.idf
        norm = np.linalg.norm(v)
        return v / norm if norm > 0 else v

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Cosine similarity of the query's TF-IDF vector with every document's, shape (D,)."""
        return self.matrix @ self.vector(query)  # (D, V) @ (V,) -> (D,)


class DenseIndex:
    """Dense retrieval: a text is the average of the unit word vectors of its known terms
    (optionally weighted, e.g. by idf), compared by cosine similarity. ``vectors`` is a
    :class:`~llm_shikumi.word2vec.WordVectors`."""

    def __init__(self, documents: Sequence[Sequence[str]], vectors, weights: Mapping[str, float] | None = None) -> None:
        self.vectors, self.weights = vectors, weights
        self.matrix = np.stack([self.embed(d) for d in documents]) if documents else np.zeros((0, vectors.dim))  # (D, dim)

    def embed(self, terms: Iterable[str]) -> np.ndarray:
        """Unit-length weighted mean of the unit vectors of the known terms, shape (dim,); zeros if none is known."""
        unit = self.vectors.unit.numpy()  # (N, dim)
        known = [t for t in terms if t in self.vectors]
        if not known:
            return np.zeros(unit.shape[1])
        w = np.array([1.0 if self.weights is None else self.weights.get(t, 0.0) for t in known])  # (n,)
        v = w @ unit[[self.vectors.index[t] for t in known]]  # (n,) @ (n, dim) -> (dim,)
        norm = np.linalg.norm(v)
        return v / norm if norm > 0 else v

    def scores(self, query: Sequence[str]) -> np.ndarray:
        return self.matrix @ self.embed(query)  # (D, dim) @ (dim,) -> (D,)


class Retriever:
    """Passages + their terms + an index: ``search(question, k)`` → [(passage, score), ...]."""

    def __init__(self, passages: Sequence[Passage], index, name: str = "") -> None:
        self.passages, self.index, self.name = list(passages), index, name

    def search(self, question: str, k: int = 3) -> list[tuple[Passage, float]]:
        scores = self.index.scores(search_terms(question))
        return [(self.passages[i], float(scores[i])) for i in top_k(scores, k)]


# ---------------------------------------------------------------------------------------------
# Evaluation: recall@k on the course's questions
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    """A question written for this course, with the section of the book that answers it."""

    question: str
    chapter: str  # docname
    section: str  # heading text, as in :attr:`Passage.section`


def load_questions(path: str | Path = QUESTIONS_FILE) -> list[Question]:
    """The course's retrieval questions (``data/rag_questions.json``)."""
    return [Question(**q) for q in json.loads(Path(path).read_text(encoding="utf-8"))["questions"]]


def recall_at_k(rankings: Sequence[Sequence[object]], relevant: Sequence[object | set], k: int) -> float:
    """Share of queries with at least one relevant item among the first ``k`` of their ranking.

    ``rankings[i]`` is query i's ranked list; ``relevant[i]`` the relevant item or a set of them.
    With one relevant item per query this is also called hit rate@k. No queries: 0.0."""
    if len(rankings) != len(relevant):
        raise ValueError(f"{len(rankings)} rankings for {len(relevant)} gold answers")
    if not rankings:
        return 0.0
    hits = 0
    for ranking, gold in zip(rankings, relevant):
        gold = gold if isinstance(gold, (set, frozenset)) else {gold}
        hits += any(item in gold for item in list(ranking)[:max(k, 0)])
    return hits / len(rankings)


def evaluate(index, passages: Sequence[Passage], questions: Sequence[Question], ks: Sequence[int] = (1, 3, 5),
             level: str = "section") -> dict[int, float]:
    """recall@k of ``index`` for every k: a question counts as found when a retrieved passage comes from
    its gold section (``level="section"``) or at least its gold chapter (``level="chapter"``)."""
    def key(chapter: str, section: str):
        return (chapter, section) if level == "section" else chapter

    rankings = []
    for q in questions:
        ranked = top_k(index.scores(search_terms(q.question)), max(ks))
        rankings.append([key(passages[i].chapter, passages[i].section) for i in ranked])
    gold = [key(q.chapter, q.section) for q in questions]
    return {k: recall_at_k(rankings, gold, k) for k in ks}


# ---------------------------------------------------------------------------------------------
# 3. Augmentation and 4. generation
# ---------------------------------------------------------------------------------------------

PROMPT_HEAD = ("次の資料だけを根拠にして、質問に日本語で簡潔に答えてください。"
               "資料に答えがないときは「資料からは分かりません」と答えてください。")


def build_prompt(question: str, passages: Sequence[Passage], max_chars: int = 1500) -> str:
    """The augmented prompt: instruction, the retrieved passages in rank order as [資料 n] blocks
    with their source, then the question. Passages are added whole while the prompt stays within
    ``max_chars`` characters; the first one that would overflow stops the list (a lower-ranked
    shorter one is not slipped in). The instruction and the question are always there."""
    tail = f"質問: {question}\n答え:"
    prompt = PROMPT_HEAD + "\n\n"
    for n, p in enumerate(passages, start=1):
        block = f"[資料 {n}] {p.label}\n{p.text}\n\n"
        if len(prompt) + len(block) + len(tail) > max_chars:
            break
        prompt += block
    return prompt + tail


def extractive_answer(question: str, passages: Sequence[Passage], idf: Mapping[str, float] | None = None
                      ) -> tuple[str, Passage | None]:
    """An extractive stand-in for generation: the sentence of the retrieved passages that shares the
    most (idf-weighted) terms with the question, and its passage. It copies text; it understands
    and generates nothing. Ties go to the earlier (higher-ranked) sentence; no overlap: ("", None)."""
    wanted = set(search_terms(question))
    best, best_score, source = "", 0.0, None
    for p in passages:
        for sentence in re.split(r"(?<=[。?？])", p.text):
            terms = set(search_terms(sentence))
            score = sum((idf or {}).get(t, 1.0) for t in wanted & terms)
            if score > best_score:
                best, best_score, source = sentence.strip(), score, p
    return best, source


def generate_answer(loaded, prompt: str, max_new_tokens: int = 128) -> str:
    """Generate the answer to an augmented prompt with a pretrained causal LM (``hub.load_causal_lm``):
    through the tokenizer's chat template when it has one (instruction models), greedy decoding;
    returns only the new text."""
    import torch

    tokenizer, model = loaded.tokenizer, loaded.model
    if getattr(tokenizer, "chat_template", None):
        ids = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                            return_tensors="pt", return_dict=True)["input_ids"]  # (1, T)
    else:
        ids = tokenizer(prompt, return_tensors="pt").input_ids  # (1, T)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                             do_sample=False, pad_token_id=pad)  # (1, T + new)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()

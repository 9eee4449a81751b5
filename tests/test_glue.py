"""Every number a chapter's prose shows through myst-nb glue must be glued by its code.

Two checks per chapter notebook:

- static (fast): every ``{glue...}`` reference in a Markdown cell names a key that some code cell
  passes to ``glue(...)``. A key written as an f-string (``glue(f"bpc_{key}", ...)``) counts as a
  pattern: each ``{...}`` matches any text.
- executed (slow): in ``_build/jupyter_execute/**/<chapter>.ipynb`` (written by ``make book``;
  skipped when absent) every referenced key has a glue output, so a cell that stopped gluing a
  value (or glued it under another name) is caught even when the static pattern still matched.

The toy notebooks at the end show that both checks fail when a key is missing.
"""
from __future__ import annotations

import json

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
EXECUTED = ROOT / "_build" / "jupyter_execute"

# {glue}`key`, {glue:text}`key:.2f`, {glue:any}`key`, {glue:md}`key`, {glue:text}`other.ipynb::key`
ROLE = re.compile(r"\{glue(?::(?P<kind>[a-z]+))?\}`(?P<content>[^`]+)`")
# ```{glue:figure} key  /  :::{glue} key  /  ```{glue:math} key
DIRECTIVE = re.compile(r"^\s*(?:`{3,}|:{3,})\{glue(?::[a-z]+)?\}\s+(?P<key>\S+)", re.MULTILINE)
# glue("key", ...), glue('key', ...), glue(f"bpc_{key}", ...), glue(name="key", ...)
GLUE_CALL = re.compile(r"""\bglue\(\s*(?:name\s*=\s*)?(?P<f>[fF]?)(?P<q>["'])(?P<key>.*?)(?P=q)""")


def referenced_keys(nb) -> set[str]:
    """Keys the Markdown cells of ``nb`` paste (format specs removed, same-document only)."""
    keys: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for match in ROLE.finditer(cell.source):
            content = match["content"]
            if match["kind"] == "text" and ":" in content.split("::")[-1]:
                content = content.rsplit(":", 1)[0]  # drop the format spec, as myst-nb does
            if "::" in content:  # a key of another document: checked with that document
                continue
            keys.add(content.strip())
        keys.update(m["key"] for m in DIRECTIVE.finditer(cell.source) if "::" not in m["key"])
    return keys


def glued_patterns(nb) -> list[re.Pattern]:
    """What the code cells glue: a literal key, or for an f-string a pattern ({...} = any text)."""
    patterns = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for match in GLUE_CALL.finditer(cell.source):
            key = match["key"]
            if match["f"]:
                parts = re.split(r"\{[^{}]*\}", key)
                patterns.append(re.compile(".+".join(re.escape(p) for p in parts)))
            else:
                patterns.append(re.compile(re.escape(key)))
    return patterns


def missing_static(nb) -> set[str]:
    patterns = glued_patterns(nb)
    return {key for key in referenced_keys(nb) if not any(p.fullmatch(key) for p in patterns)}


def executed_keys(nb) -> set[str]:
    """Keys of the glue outputs of an executed notebook (myst-nb records them with scrapbook metadata)."""
    keys = set()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                keys.add(name)
    return keys


def glue_file_keys(executed: Path) -> set[str]:
    """Keys myst-nb moved out of the executed copy into ``<name>.glue.json`` beside it (myst-nb 1.x)."""
    path = executed.with_suffix(".glue.json")
    return set(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else set()


def executed_copy(chapter: Path) -> Path | None:
    found = sorted(EXECUTED.rglob(chapter.name)) if EXECUTED.exists() else []
    return found[0] if found else None


def test_there_are_chapters():
    assert CHAPTERS, "no chapters/*.ipynb found"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_glue_reference_is_glued_by_the_code(chapter):
    nb = nbformat.read(chapter, as_version=4)
    missing = missing_static(nb)
    assert not missing, f"{chapter.name}: Markdown pastes {sorted(missing)} but no code cell calls glue() with that name"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_executed_chapter_has_every_glued_value(chapter):
    executed = executed_copy(chapter)
    if executed is None:
        pytest.skip(f"no executed copy of {chapter.name} under {EXECUTED} (run `make book` first)")
    if executed.stat().st_mtime < chapter.stat().st_mtime:
        pytest.skip(f"{executed} is older than {chapter.name}: rebuild the book")
    source = nbformat.read(chapter, as_version=4)
    found = executed_keys(nbformat.read(executed, as_version=4)) | glue_file_keys(executed)
    missing = referenced_keys(source) - found
    assert not missing, f"{executed}: no glue output for {sorted(missing)}, which {chapter.name} pastes in its prose"


# --------------------------------------------------------------------------- the checks can fail
def _toy(markdown: str, code: str, glued_outputs: tuple[str, ...] = ()):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"application/papermill.record/text/plain": "1"},
                                           metadata={"scrapbook": {"name": k, "mime_prefix": "application/papermill.record/"}})
                    for k in glued_outputs]
    nb.cells = [cell, nbformat.v4.new_markdown_cell(markdown)]
    return nb


def test_parser_reads_roles_format_specs_directives_and_fstrings():
    nb = _toy("PP は {glue:text}`pp:.2f`、bpc は {glue}`bpc_word3` です。\n"
              "別の章の {glue:text}`other.ipynb::x:.1f` は対象外。\n\n```{glue:figure} fig_pp\n:name: pp\n```",
              'glue("pp", 3.0, display=False)\nglue(f"bpc_{key}", 1.0)\nglue(name="fig_pp", variable=fig)')
    assert referenced_keys(nb) == {"pp", "bpc_word3", "fig_pp"}
    assert missing_static(nb) == set()


def test_static_check_fails_when_a_key_is_not_glued():
    nb = _toy("値は {glue:text}`missing_key:.2f` と {glue:text}`present:d` です。", 'glue("present", 3, display=False)')
    assert missing_static(nb) == {"missing_key"}
    nb = _toy("{glue:text}`bpc_char5:.3f`", 'glue(f"pp_{key}", 1.0)')  # the pattern pp_* does not cover bpc_*
    assert missing_static(nb) == {"bpc_char5"}


def test_executed_check_fails_when_an_output_is_missing():
    nb = _toy("{glue:text}`a:.1f` と {glue:text}`b:.1f`", 'glue(f"{name}", 1.0)', glued_outputs=("a",))
    assert missing_static(nb) == set()  # the f-string pattern matches both names...
    assert referenced_keys(nb) - executed_keys(nb) == {"b"}  # ...but only "a" was glued when it ran

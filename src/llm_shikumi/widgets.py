"""Interactive figures that work without a kernel: in the static HTML book, in Jupyter and in Colab.

Each function returns an ``IPython.display.HTML`` holding plain HTML/SVG and a small inline script
(no CDN, no library, no network): the reader moves a slider or points at a cell, and the browser does
the arithmetic. Call it as the last line of a code cell::

    from llm_shikumi.widgets import temperature_slider, attention_heatmap
    temperature_slider([2.0, 1.0, 0.1], labels=["猫", "犬", "鳥"])
    attention_heatmap(weights, queries=src_tokens, keys=tgt_tokens)

- :func:`temperature_slider` -- softmax probabilities of fixed logits as the temperature T changes
- :func:`attention_heatmap` -- a matrix of attention weights; hovering a cell shows its weight
- :func:`softmax_with_temperature` -- the same numbers in Python (what the slider computes)

The browser suite (tests/test_site.py) drives both on the book's page ``guides/interactive``.
"""
from __future__ import annotations

import hashlib
import html
import itertools
import json
from typing import Sequence

import numpy as np

__all__ = ["softmax_with_temperature", "temperature_slider", "attention_heatmap"]

_counter = itertools.count(1)


def _widget_id(kind: str, payload: object) -> str:
    """An element id that is unique on the page and the same on every run of the notebook
    (so a re-executed chapter produces the same HTML)."""
    digest = hashlib.sha1(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:8]
    return f"llm-{kind}-{digest}-{next(_counter)}"


def _html(markup: str):
    from IPython.display import HTML

    return HTML(markup)


def softmax_with_temperature(logits: Sequence[float], temperature: float) -> np.ndarray:
    """softmax(logits / T): the probabilities the temperature slider shows for `temperature` T > 0."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    z = np.asarray(logits, dtype=np.float64) / temperature  # (V,)
    z = z - z.max()  # the same probabilities, without overflow
    p = np.exp(z)
    return p / p.sum()


_STYLE = """
<style>
.llm-widget { font-size: 0.95rem; margin: 0.5rem 0 1rem; max-width: 100%; }
.llm-widget .llm-row { display: flex; align-items: center; gap: 0.5rem; margin: 0.15rem 0; }
.llm-widget .llm-label { min-width: 4em; text-align: right; }
.llm-widget .llm-bar-track { flex: 1; max-width: 22rem; background: #e8edf3; height: 1.1rem; border-radius: 3px; }
.llm-widget .llm-bar { background: #2f6db5; height: 100%; border-radius: 3px; }
.llm-widget .llm-value { font-variant-numeric: tabular-nums; min-width: 3em; }
.llm-widget input[type=range] { width: min(22rem, 60vw); vertical-align: middle; }
.llm-widget .llm-readout { min-height: 1.5em; font-variant-numeric: tabular-nums; }
.llm-widget svg { max-width: 100%; height: auto; font-family: inherit; }
.llm-widget svg rect.llm-cell:hover { stroke: #d9480f; stroke-width: 2; }
</style>
"""


def temperature_slider(logits: Sequence[float] = (2.0, 1.0, 0.1), labels: Sequence[str] | None = None,
                       t_min: float = 0.1, t_max: float = 5.0, step: float = 0.05, initial: float = 1.0,
                       digits: int = 2):
    """A slider over the temperature T with the softmax probabilities of `logits` / T as bars.

    The probabilities are computed in the browser as :func:`softmax_with_temperature` computes them,
    rounded to `digits` decimals. Returns an ``IPython.display.HTML``.
    """
    logits = [float(x) for x in logits]
    labels = [str(x) for x in (labels if labels is not None else [f"候補 {i + 1}" for i in range(len(logits))])]
    if len(labels) != len(logits) or not logits:
        raise ValueError(f"need one label per logit: got {len(logits)} logits and {len(labels)} labels")
    if not (0 < t_min <= initial <= t_max and step > 0):
        raise ValueError(f"need 0 < t_min <= initial <= t_max and step > 0, got t_min={t_min}, "
                         f"initial={initial}, t_max={t_max}, step={step}")
    wid = _widget_id("temperature", [logits, labels, t_min, t_max, step, initial])
    rows = "\n".join(
        f'<div class="llm-row"><span class="llm-label">{html.escape(label)}</span>'
        f'<span class="llm-bar-track"><span class="llm-bar" style="display:block;width:0%"></span></span>'
        f'<span class="llm-value" data-index="{i}"></span>'
        f'<span class="llm-logit">(ロジット {logit:g})</span></div>'
        for i, (label, logit) in enumerate(zip(labels, logits)))
    script = f"""
<script>
(function () {{
  const root = document.getElementById({json.dumps(wid)});
  if (!root) return;
  const logits = {json.dumps(logits)};
  const slider = root.querySelector("input[type=range]");
  const shown = root.querySelector(".llm-temperature-value");
  const bars = root.querySelectorAll(".llm-bar");
  const values = root.querySelectorAll(".llm-value");
  function update() {{
    const t = parseFloat(slider.value);
    const z = logits.map(x => x / t);
    const m = Math.max(...z);
    const e = z.map(x => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map(x => x / s);
    shown.textContent = t.toFixed(2);
    p.forEach((pi, i) => {{
      bars[i].style.width = (100 * pi).toFixed(1) + "%";
      values[i].textContent = pi.toFixed({int(digits)});
    }});
    root.dataset.probabilities = JSON.stringify(p);
  }}
  slider.addEventListener("input", update);
  update();
}})();
</script>"""
    markup = f"""{_STYLE}
<div class="llm-widget llm-temperature" id="{wid}">
  <label>温度 (temperature) T = <output class="llm-temperature-value">{initial:.2f}</output>
    <input type="range" min="{t_min}" max="{t_max}" step="{step}" value="{initial}" aria-label="温度 T"></label>
  {rows}
  <noscript>JavaScript を有効にすると、スライダーで温度を変えられます。</noscript>
</div>{script}"""
    return _html(markup)


def _color(weight: float) -> str:
    """White (0) to dark blue (1)."""
    w = min(max(weight, 0.0), 1.0)
    r, g, b = (round(255 + (c - 255) * w) for c in (31, 78, 121))
    return f"rgb({r},{g},{b})"


def attention_heatmap(weights, queries: Sequence[str], keys: Sequence[str], title: str | None = None,
                      cell: int = 34, show_values: bool | None = None, digits: int = 2):
    """Attention weights as a heatmap: row i = query `queries[i]`, column j = key `keys[j]`.

    `weights` is a (len(queries), len(keys)) array (a tensor is fine) of non-negative weights, usually
    rows of a softmax. Pointing at a cell shows "query → key: weight" under the figure (and as the
    cell's tooltip); the colour runs from 0 (white) to 1 (dark blue), or to the largest weight when
    some weight exceeds 1, so that uniform attention looks pale, not strong.
    `show_values` writes the weights in the cells (default: when the matrix is at most 8 x 8).
    """
    w = np.asarray(weights.detach().cpu() if hasattr(weights, "detach") else weights, dtype=np.float64)
    queries, keys = [str(q) for q in queries], [str(k) for k in keys]
    if w.shape != (len(queries), len(keys)):
        raise ValueError(f"weights have shape {w.shape}, expected (len(queries), len(keys)) = "
                         f"({len(queries)}, {len(keys)})")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("weights must be finite and non-negative")
    if show_values is None:
        show_values = w.shape[0] <= 8 and w.shape[1] <= 8
    top = 1.0 if w.max() <= 1.0 else float(w.max())  # weights of a softmax: the scale is 0..1, not 0..max
    wid = _widget_id("attention", [w.round(6).tolist(), queries, keys, title])
    char = 15  # px per character of a label, enough for Japanese at this font size
    left = 12 + char * max(len(q) for q in queries)
    head = 12 + char * max(len(k) for k in keys)
    width, height = left + cell * len(keys) + 4, head + cell * len(queries) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{html.escape(title or "attention weights")}">']
    for j, k in enumerate(keys):  # key labels above each column, written vertically (縦書き), ending at the grid
        x = left + cell * j + cell / 2
        parts.append(f'<text x="{x:.1f}" y="{head - 6}" font-size="14" text-anchor="end" '
                     f'style="writing-mode: vertical-rl">{html.escape(k)}</text>')
    for i, q in enumerate(queries):
        y = head + cell * i + cell / 2
        parts.append(f'<text x="{left - 6}" y="{y:.1f}" font-size="14" text-anchor="end" '
                     f'dominant-baseline="middle">{html.escape(q)}</text>')
        for j, k in enumerate(keys):
            value = float(w[i, j])
            label = f"{q} → {k}: {value:.{digits}f}"
            parts.append(
                f'<rect class="llm-cell" x="{left + cell * j}" y="{head + cell * i}" width="{cell}" height="{cell}" '
                f'fill="{_color(value / top)}" data-query="{html.escape(q)}" data-key="{html.escape(k)}" '
                f'data-weight="{value:.6g}"><title>{html.escape(label)}</title></rect>')
            if show_values:
                ink = "#fff" if value / top > 0.55 else "#222"
                parts.append(f'<text x="{left + cell * j + cell / 2}" y="{head + cell * i + cell / 2:.1f}" '
                             f'font-size="11" fill="{ink}" text-anchor="middle" dominant-baseline="middle" '
                             f'pointer-events="none">{value:.{digits}f}</text>')
    parts.append("</svg>")
    caption = f"<div><strong>{html.escape(title)}</strong></div>" if title else ""
    script = f"""
<script>
(function () {{
  const root = document.getElementById({json.dumps(wid)});
  if (!root) return;
  const readout = root.querySelector(".llm-readout");
  const idle = readout.textContent;
  root.querySelectorAll("rect.llm-cell").forEach(cell => {{
    const show = () => {{
      readout.textContent = `${{cell.dataset.query}} → ${{cell.dataset.key}}: ${{parseFloat(cell.dataset.weight).toFixed({int(digits)})}}`;
    }};
    cell.addEventListener("mouseenter", show);
    cell.addEventListener("click", show);
    cell.addEventListener("mouseleave", () => {{ readout.textContent = idle; }});
  }});
}})();
</script>"""
    markup = f"""{_STYLE}
<div class="llm-widget llm-attention" id="{wid}">
  {caption}{"".join(parts)}
  <div class="llm-readout" aria-live="polite">マスにポインタを重ねる (タップする) と重みが表示されます (行: クエリ, 列: キー)。</div>
</div>{script}"""
    return _html(markup)

"""llm_shikumi.widgets: kernel-free interactive figures. (Their behaviour in a browser is tested on the
built book by tests/test_site.py; here: the numbers, the markup and the errors.)"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from llm_shikumi.widgets import attention_heatmap, softmax_with_temperature, temperature_slider

from site_helpers import remote_assets


@pytest.mark.parametrize("t", [0.1, 0.5, 1.0, 2.0, 5.0])
def test_softmax_with_temperature_matches_torch(t):
    """softmax(z / T) agrees with torch.softmax to 1e-12 for z = (2.0, 1.0, 0.1) and large logits."""
    for z in ([2.0, 1.0, 0.1], [1000.0, 999.0, -5.0]):
        expected = torch.softmax(torch.tensor(z, dtype=torch.float64) / t, dim=0).numpy()
        got = softmax_with_temperature(z, t)
        assert np.allclose(got, expected, atol=1e-12), f"softmax_with_temperature({z}, {t}) = {got}, torch: {expected}"


def test_softmax_with_temperature_rejects_non_positive_t():
    for t in (0, -1.0):
        with pytest.raises(ValueError, match="temperature"):
            softmax_with_temperature([1.0, 2.0], t)


def test_widgets_need_nothing_from_the_network():
    """The HTML loads no script, style or image from anywhere: everything is inline."""
    for widget in (temperature_slider(), attention_heatmap(np.eye(2), ["a", "b"], ["c", "d"])):
        assert remote_assets(widget.data) == [], remote_assets(widget.data)
        assert "<script>" in widget.data and 'src="' not in widget.data


def test_widget_ids_are_unique_on_a_page():
    first, second = temperature_slider().data, temperature_slider().data
    ids = [re.search(r'id="(llm-temperature-[^"]+)"', h).group(1) for h in (first, second)]
    assert ids[0] != ids[1], f"two sliders on one page got the same id {ids[0]}"


def test_temperature_slider_escapes_labels_and_checks_arguments():
    markup = temperature_slider([1.0, 2.0], labels=["<b>", "猫"]).data
    assert "&lt;b&gt;" in markup and "<b>" not in markup
    with pytest.raises(ValueError, match="one label per logit"):
        temperature_slider([1.0, 2.0], labels=["a"])
    with pytest.raises(ValueError, match="t_min"):
        temperature_slider(initial=10.0)


def test_attention_heatmap_has_one_cell_per_weight_with_its_value():
    """A (2, 3) matrix gives 6 cells, row by row, each carrying its query, key and weight."""
    w = torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    markup = attention_heatmap(w, ["猫", "犬"], ["a", "b", "c"]).data
    cells = re.findall(r'data-query="([^"]*)" data-key="([^"]*)" data-weight="([^"]*)"', markup)
    assert [(q, k) for q, k, _ in cells] == [(q, k) for q in ["猫", "犬"] for k in "abc"]
    assert np.allclose([float(x) for _, _, x in cells], w.flatten().numpy(), atol=1e-6)


def test_attention_heatmap_rejects_wrong_shapes_and_values():
    with pytest.raises(ValueError, match="shape"):
        attention_heatmap(np.ones((2, 3)), ["a", "b", "c"], ["x", "y"])
    with pytest.raises(ValueError, match="non-negative"):
        attention_heatmap(np.array([[-0.1, 1.1]]), ["a"], ["x", "y"])

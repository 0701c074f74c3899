"""The MLP lab in real headless Chromium: what the browser draws of its numbers."""

import re
from urllib.parse import urlencode

import pytest

from playground.mlp import budget
from playground.mlp.state import MLP_SPEC
from playground.mlp.training import Training
from tests.test_browser import metric_box, no_exception, open_mlp
from tests.test_hostile_links import biggest_network

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_metrics_are_shown_whole(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_mlp(page, "?data=gaussians&hidden=8&act=relu&opt=adam:lr%3D0.1")  # the loss falls to about 10⁻⁵
    page.get_by_role("button", name="+100").click()
    page.get_by_text("update 100 ·").wait_for()
    no_exception(page)
    for label in ("train loss", "test loss", "train accuracy", "test accuracy"):
        value = metric_box(page, label)
        value.wait_for()
        text = value.inner_text()
        cut = value.evaluate("box => [box, ...box.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth)")
        assert not cut and "…" not in text, (label, text)
    assert re.search(r"×\s10⁻", metric_box(page, "train loss").inner_text())  # a tiny loss, as a power of ten


def test_plus_100_on_the_largest_network_trains_within_one_clicks_budget(page):
    run = Training()
    run.build(MLP_SPEC.from_query(biggest_network())[0], None)
    expected = budget.affordable(run.trainer, 100, budget.CLICK_SECONDS)
    open_mlp(page, "?" + urlencode(biggest_network()))
    page.get_by_role("button", name="+100").click()
    page.get_by_text(f"update {expected} ·").wait_for()
    page.get_by_text(f"Trained {expected} of 100 updates this click").wait_for()
    no_exception(page)

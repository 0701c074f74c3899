"""The MLP lab in real headless Chromium: what the browser draws of its numbers."""

import re

import pytest

from tests.test_browser import metric_box, no_exception, open_mlp

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

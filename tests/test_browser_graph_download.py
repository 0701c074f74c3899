"""Real Chromium: a teacher downloads the stepper's graph as SVG and PNG for slides."""

import pytest

from tests.test_browser import no_exception, open_stepper

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("fmt,magic", [("SVG", b"<svg"), ("PNG", b"\x89PNG\r\n\x1a\n")])
def test_download_the_graph_at_this_step(page, fmt, magic, tmp_path):
    open_stepper(page, "?expr=x*y&at=x%3D2%3By%3D3&grad=5&step=3")
    page.get_by_role("button", name="Download graph").click()
    with page.expect_download() as download:
        page.get_by_role("button", name=f"{fmt} file").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"gradlab-step-3.{fmt.lower()}"
    content = saved.read_bytes()
    assert magic in content[:400]
    if fmt == "SVG":  # the file shows this step's numbers: both gradients of the mul gate
        text = content.decode()
        assert "grad 15" in text and "grad 10" in text
    no_exception(page)


def test_download_the_mlp_network(page, tmp_path):
    page.goto(f"{page.base_url}/mlp?hidden=3&act=tanh")
    page.wait_for_selector("svg g.node", timeout=60_000)
    page.get_by_role("button", name="Download graph").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="SVG file").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text()
    assert saved.name == "network-0.svg" and "<svg" in text[:400]
    assert text.count('class="node"') == 2 + 3 + 2  # inputs x1, x2; three hidden neurons; two class outputs
    no_exception(page)

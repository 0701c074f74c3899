"""The MLP lab's Play in real headless Chromium, as a learner follows a lesson with it: what is on the page while
the browser replays a batch, and after."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from playground.common.presets import load_presets
from tests.test_browser import no_exception, open_mlp
from tests.test_browser_surfaces import choose

pytestmark = pytest.mark.browser

# Records, every 20 ms, each change of what the learner sees: the map's update label, whether the trap's box is on
# the page, and the heading. A recorder, not a wait: the test waits on the trap's box itself.
RECORD_MAP_AND_TRAP = r"""() => {
  window.seen = [];
  setInterval(() => {
    const gd = document.querySelector('.st-key-mlp_boundary .js-plotly-plot');
    const label = gd && gd.data ? gd.data[gd.data.length - 1].text[0].replace(/\s*<br>\s*/, ', ').trim() : null;
    const trap = [...document.querySelectorAll('[data-testid=stAlert]')].some(
      e => e.innerText.includes('NaN trap: update'));
    const heading = [...document.querySelectorAll('h4')].map(e => e.innerText).find(t => t.startsWith('update'));
    const last = window.seen[window.seen.length - 1];
    if (!last || last.label !== label || last.trap !== trap || last.heading !== heading)
      window.seen.push({label, trap, heading});
  }, 20);
}"""


def lesson(name: str) -> dict:
    return next(p for p in load_presets("mlp") if p["name"] == name)


def test_play_into_the_nan_trap_replays_the_normal_updates_before_the_trap_is_shown(page):
    """The review: 0.1 s after Play the trap's box and 'update 33' were there, before the map had replayed
    anything, and the map then ended on 'update 33' with the weights the box says were discarded."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_mlp(page, "?" + urlencode(lesson("Exploding gradients, caught by the NaN trap")["query"]))
    page.evaluate(RECORD_MAP_AND_TRAP)
    page.get_by_role("button", name="Play", exact=True).click()
    trap = page.get_by_text("NaN trap: update 33:")
    trap.wait_for()
    failed = int(re.search(r"NaN trap: update (\d+):", trap.inner_text())[1])
    page.wait_for_function("text => window.seen.some(s => s.trap && s.label === text)",
                           arg=f"update {failed - 1}, kept by the NaN trap")
    seen = page.evaluate("window.seen")
    before = seen[:next(i for i, s in enumerate(seen) if s["trap"])]
    replayed = [int(s["label"].split()[1]) for s in before if s["label"]]
    # the map replayed the updates that trained normally, in order, to the last finite one, before the box came
    assert replayed == sorted(replayed) and replayed[-1] == failed - 1
    assert any(0 < update < failed - 10 for update in replayed), replayed
    assert not any(s["heading"] and s["heading"].startswith(f"update {failed} ") for s in before)
    point = re.search(r"Rewind goes back to update (\d+)", trap.inner_text())[1]
    page.get_by_role("button", name=f"Rewind to update {point}").wait_for()  # with its buttons, as after +10
    no_exception(page)


def test_choosing_regression_data_sets_the_loss_and_plus_10_trains_the_regression_shown(page):
    """The review: choosing Regression said 'Can't build this network: regression data needs the mse loss … The
    previous model is kept', and Play still trained the circle model kept from before."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_mlp(page)
    loss_box = page.get_by_role("combobox", name="Loss")
    expect(loss_box).to_have_value("cross_entropy")
    choose(page, "Dataset", "Regression")
    expect(page.get_by_text("The loss is now mse: regression data needs it.")).to_be_visible()
    expect(loss_box).to_have_value("mse")
    expect(page.get_by_text("Can't build this network")).to_have_count(0)
    page.get_by_role("button", name="+10", exact=True).click()
    page.get_by_text("update 10 ·").wait_for()
    # the model trained is the regression shown: its map is coloured by the prediction, with no accuracy beside it
    expect(page.locator(".st-key-mlp_boundary").get_by_text("prediction").first).to_be_visible()
    expect(page.locator(".st-key-mlp_boundary").get_by_text("P(class 1)")).to_have_count(0)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="accuracy")).to_have_count(0)
    no_exception(page)

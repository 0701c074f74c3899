"""Every claim the surface lab's lessons make (a Home lesson card's text, a surface's note under the surface box)
holds on the page that lesson opens: each test opens the page and reads the numbers it shows."""

import json
import pathlib
import re

import numpy as np
import pytest

from labs.surfaces import SURFACES
from playground.surfaces.numbers import parse_readable
from playground.surfaces.race import STATUS, STEPS_TO_TOLERANCE
from tests.apptest import open_page

LESSONS = {lesson["title"]: lesson for section in json.loads(
    (pathlib.Path(__file__).resolve().parent.parent / "assets/presets/lessons.json").read_text())
    for lesson in section["lessons"] if lesson["page"] == "surfaces"}


def results(**query) -> tuple[list[dict[str, str]], object]:
    at = open_page("surfaces/view.py", **query)
    table = at.table[-1].value
    return [dict(zip(table.columns, row, strict=True)) for row in table.itertuples(index=False)], at


def by_optimizer(rows, name: str) -> dict[str, str]:
    return next(r for r in rows if r["optimizer"].startswith(name))


def point(row) -> np.ndarray:
    return np.array([parse_readable(v.strip()) for v in row["final point"].strip("()").split(",")])


def steps(row) -> int:
    return int(row[STEPS_TO_TOLERANCE])


def caption_of(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_every_surfaces_lesson_is_checked_here():
    assert set(LESSONS) == {"|x| with steps 1, 5 and 11", "A ravine: SGD zig-zags", "Rosenbrock's banana"}


def test_step_size_lesson_10_steps_2_steps_and_a_bounce_from_step_0():
    rows, _ = results(**LESSONS["|x| with steps 1, 5 and 11"]["query"])
    assert [r[STATUS] for r in rows] == ["converged at step 10", "converged at step 2",
                                           "never converges: cycle 10 ↔ -1 from step 0"]


def test_ravine_momentum_and_adagrad_need_half_the_steps_of_sgd():
    rows, at = results(**LESSONS["A ravine: SGD zig-zags"]["query"])
    sgd = steps(by_optimizer(rows, "SGD"))
    assert steps(by_optimizer(rows, "Momentum")) <= 0.55 * sgd and steps(by_optimizer(rows, "AdaGrad")) <= 0.55 * sgd
    assert "half the steps" in caption_of(at)


def test_ravine_sgd_zig_zags_across_the_valley():
    at = open_page("surfaces/view.py", surface="Ill-conditioned ravine", frame="8")
    # the inspector at iterations 1..8 of SGD: y changes sign every step (across the valley)
    ys = []
    for frame in range(1, 9):
        at.slider(key="surfaces_frame").set_value(frame).run()
        text = " ".join(m.value for m in at.markdown if m.value.startswith("point:"))
        ys.append(parse_readable(re.search(r"y = ([^,)]+)", text)[1]))
    assert all(a * b < 0 for a, b in zip(ys, ys[1:], strict=False)), ys


def test_ravine_note_adam_at_a_constant_step_converges_near_step_300():
    note = SURFACES["Ill-conditioned ravine"].note
    claimed = int(re.search(r"near step (\d+)", note)[1])
    rows, _ = results(surface="Ill-conditioned ravine", runs="sgd:lr=0.09;adam:lr=0.1", iters="500")
    adam = by_optimizer(rows, "Adam")[STATUS]
    assert adam.startswith("converged at step"), adam
    assert abs(int(adam.split()[-1]) - claimed) <= 0.1 * claimed
    early, _ = results(surface="Ill-conditioned ravine", runs="adam:lr=0.1", iters="100")
    assert early[0][STATUS].startswith("still moving after 100 steps")  # "circles the bottom for a long time"


def test_rosenbrock_easy_to_find_the_valley_slow_to_follow_it():
    query = LESSONS["Rosenbrock's banana"]["query"]
    early, _ = results(**{**query, "iters": "100", "frame": "100"})
    rows, _ = results(**query)
    for row in early:  # found: every run is on the valley floor y ≈ x² within 100 steps
        x, y = point(row)
        assert abs(y - x * x) < 0.1, row
    assert all(r[STEPS_TO_TOLERANCE] == "not reached" for r in rows)  # slow: none is at (1, 1) after 500


def test_himmelblau_which_minimum_depends_on_the_start_and_the_optimizer():
    minima = np.array(SURFACES["Himmelblau"].minima)

    def reached(row) -> int:
        return int(np.argmin(np.linalg.norm(minima - point(row), axis=1)))

    at_default, _ = results(surface="Himmelblau", iters="300")
    elsewhere, _ = results(surface="Himmelblau", start="0,-1", iters="300")
    assert len({reached(r) for r in elsewhere}) >= 2  # the optimizer decides
    assert {reached(r) for r in at_default} != {reached(r) for r in elsewhere}  # the start decides


def test_beale_adaptive_step_sizes_help():
    rows, _ = results(surface="Beale")
    losses = {r["optimizer"].split()[0]: parse_readable(r["final loss"]) for r in rows}
    assert losses["Adam"] < min(losses["SGD"], losses["Momentum"]) / 4, losses


def test_saddle_gradient_descent_slides_off_along_y_slowly_at_first():
    early, _ = results(surface="Saddle", iters="10")
    late, _ = results(surface="Saddle", iters="100")
    assert abs(point(by_optimizer(early, "SGD"))[1]) < 0.1
    assert abs(point(by_optimizer(late, "SGD"))[1]) > 10 and abs(point(by_optimizer(late, "SGD"))[0]) < 1e-3


def test_rastrigin_local_minima_trap_gradient_descent():
    rows, at = results(surface="Rastrigin (many minima)")
    sgd = by_optimizer(rows, "SGD")
    assert sgd[STATUS].startswith("stuck at step")  # the gradient vanished ...
    assert parse_readable(sgd["final loss"]) > 1 and sgd[STEPS_TO_TOLERANCE] == "not reached"  # ... above 0
    assert "trap plain gradient descent" in caption_of(at)


def test_convex_bowl_every_optimizer_gets_there():
    rows, _ = results(surface="Convex bowl")
    assert all(r[STEPS_TO_TOLERANCE].isdigit() for r in rows), rows


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_note_shows_under_its_surface(name):
    _, at = results(surface=name)
    assert SURFACES[name].note in caption_of(at)

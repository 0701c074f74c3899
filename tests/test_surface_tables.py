"""The surface lab's tables and inspector: numbers as people read them, and statuses that agree with them."""

import re

import numpy as np
import pytest

from labs.optim import OptimizerConfig
from labs.surfaces import SURFACES
from playground.surfaces.numbers import parse_readable, readable, readable_text
from playground.surfaces.race import STATUS, STEPS_TO_TOLERANCE, inspection, results_rows, run_race
from playground.surfaces.runs import COLUMNS, row_to_run, run_to_row
from playground.surfaces.state import SurfaceState

E_NOTATION = re.compile(r"\de[+-]?\d")


@pytest.mark.parametrize("x,text", [(1.66872e-05, "1.669\u00a0×\u00a010⁻⁵"), (-2.5e12, "-2.5\u00a0×\u00a010¹²"),
                                    (0.0213939, "0.02139"), (137.8, "137.8"), (float("nan"), "NaN")])
def test_readable_numbers(x, text):
    assert readable(x) == text
    assert np.isnan(parse_readable(text)) if np.isnan(x) else parse_readable(text) == pytest.approx(x, rel=1e-3)


@pytest.mark.parametrize("name", list(SURFACES))
def test_no_raw_e_notation_in_the_results_or_the_inspector(name):
    race = run_race(SurfaceState.for_surface(name))
    cells = [v for row in results_rows(race) for v in row.values()]
    for run in race.runs:
        lines, update = inspection(race, run, race.frames)
        cells += [*lines, update or "", readable_text(run.descent.reason)]
    assert not [c for c in cells if E_NOTATION.search(c)]


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_status_never_contradicts_the_numbers_beside_it(name):
    race = run_race(SurfaceState.for_surface(name, iterations=300))
    for row, run in zip(results_rows(race), race.runs, strict=True):
        if row[STATUS].startswith("converged"):  # converged means at the minimum when the minimum is known
            assert row[STEPS_TO_TOLERANCE] != "not reached", row
        if "‖∇f‖ = " in row[STATUS]:  # still moving, or running off: the gradient it still has is the one printed
            shown = parse_readable(row[STATUS].split("‖∇f‖ = ")[1].split(")")[0])
            assert shown == pytest.approx(np.linalg.norm(run.descent.grads[-1]), rel=5e-3)
        assert parse_readable(row["final loss"]) == pytest.approx(run.descent.losses[-1], rel=5e-4)


def test_the_optimizer_table_leaves_settings_a_row_does_not_use_blank():
    rows = {cfg.name: run_to_row(cfg) for cfg in (OptimizerConfig("sgd"), OptimizerConfig("momentum"),
                                                  OptimizerConfig("adam"), OptimizerConfig("rmsprop"))}
    assert rows["sgd"]["momentum"] is None and rows["sgd"]["beta1"] is None and rows["sgd"]["eps"] is None
    assert rows["momentum"]["momentum"] == 0.9 and rows["momentum"]["rho"] is None
    assert rows["adam"]["beta2"] == 0.999 and rows["adam"]["momentum"] is None
    assert rows["rmsprop"]["rho"] == 0.9 and rows["rmsprop"]["beta1"] is None
    for row in rows.values():  # no schedule, no decay: their settings are blank too
        assert row["step every"] is None and row["gamma"] is None and row["min lr"] is None and row["decay"] is None
    stepped = run_to_row(OptimizerConfig("sgd", schedule="step", weight_decay=0.1))
    assert stepped["step every"] == 100 and stepped["gamma"] == 0.5 and stepped["decay"] == "l2"
    assert stepped["min lr"] is None


@pytest.mark.parametrize("cfg", [OptimizerConfig("sgd", lr=0.3, momentum=0.5), OptimizerConfig("adamw", beta1=0.8),
                                 OptimizerConfig("rmsprop", rho=0.99, schedule="cosine", min_lr=0.01)])
def test_a_row_reads_back_as_the_same_run(cfg):
    row = run_to_row(cfg)
    assert set(row) == {c.name for c in COLUMNS} and row_to_run(row) == cfg


def test_a_start_outside_f_s_domain_says_so_rather_than_diverged():
    from playground.surfaces.race import results_rows, run_race
    from playground.surfaces.state import SURFACES_SPEC
    state, _ = SURFACES_SPEC.from_query({"surface": "custom", "f": "log(x)", "start": "-3.5,0"})
    rows = results_rows(run_race(state))
    assert rows and all(r[STATUS].startswith("f is not defined at the start") for r in rows), rows

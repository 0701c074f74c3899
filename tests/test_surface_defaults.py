"""Each preset surface opens with optimizer rows that suit it, and switching surface brings them along."""

import pytest

from labs.optim import OptimizerConfig
from labs.surfaces import SURFACES
from playground.surfaces import controls
from playground.surfaces.race import STATUS, run_race
from playground.surfaces.runs import row_to_run
from playground.surfaces.state import SURFACES_SPEC, SurfaceState
from tests.apptest import open_page

RAVINE = "Ill-conditioned ravine"


@pytest.mark.parametrize("name", [n for n in SURFACES if SURFACES[n].min_value is not None])
@pytest.mark.parametrize("iterations", [100, 500])  # the page's default and its slider's maximum
def test_no_default_row_diverges_on_its_own_surface(name, iterations):
    race = run_race(SurfaceState.for_surface(name, iterations=iterations))
    assert len(race.runs) >= 3
    assert [r.label for r in race.runs if r.descent.status == "diverged"] == []


def test_the_saddle_rows_slide_off_downhill_without_diverging_in_100_steps():
    race = run_race(SurfaceState.for_surface("Saddle"))  # "slides off along y": f = x² − y² has no minimum
    assert all(r.descent.status == "running off" and r.descent.stopped_at is None for r in race.runs)


def test_switching_surface_brings_the_new_surfaces_rows_unless_the_learner_changed_them():
    ravine = SurfaceState()
    for name in ("Himmelblau", "Beale", "Rosenbrock"):
        assert controls.pick_surface(ravine, name).runs == SURFACES[name].runs
        again = controls.pick_surface(controls.pick_surface(ravine, name), RAVINE)
        assert again.runs == ravine.runs
    mine = SurfaceState(runs=(OptimizerConfig("adam", lr=0.02),))
    assert controls.pick_surface(mine, "Beale").runs == mine.runs
    assert controls.surface_rows(controls.pick_surface(mine, "Beale")).runs == SURFACES["Beale"].runs


def test_a_link_naming_a_preset_alone_opens_its_rows():
    state, warnings = SURFACES_SPEC.from_query({"surface": "Beale"})
    assert warnings == [] and state.runs == SURFACES["Beale"].runs
    state, _ = SURFACES_SPEC.from_query({"surface": "Beale", "runs": "sgd:lr=0.003"})
    assert state.runs == (OptimizerConfig("sgd", lr=0.003),)


def test_a_new_row_starts_filled_in_with_a_row_that_runs_on_this_surface():
    for name in SURFACES:
        state = SurfaceState.for_surface(name)
        cfg = row_to_run(controls.new_row(state))
        assert cfg.problems() == [] and cfg.lr == SURFACES[name].runs[0].lr
        assert run_race(SurfaceState.for_surface(name, runs=(cfg,))).runs[0].descent.status != "diverged"


def test_page_switching_to_himmelblau_and_beale_diverges_nowhere():
    at = open_page("surfaces/view.py")
    for name in ("Himmelblau", "Beale"):
        at.selectbox(key="surfaces_surface").select(name).run()
        assert not at.exception
        statuses = list(at.table[-1].value[STATUS])
        assert len(statuses) == 3 and not any(s.startswith("diverged") for s in statuses), statuses

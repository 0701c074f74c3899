"""The MLP lab's work budget (issue 15 §3): a click, a Play frame and a Play press each do bounded work, and the
charts draw a bounded number of points however long the training ran."""

from dataclasses import replace

import pytest

from labs.mlp.loss_slice import loss_slice
from labs.mlp.train import StepRecord
from playground.mlp import budget
from playground.mlp.figures import grad_norm_figure, loss_figure
from playground.mlp.history import CHART_POINTS, LATEST, LESSON_UPDATES, chart_records
from playground.mlp.lab import build_trainer, load_data
from playground.mlp.state import MLP_SPEC, MLPState
from playground.mlp.training import Training
from playground.mlp.words import describe_slice
from tests.test_hostile_links import biggest_network


def biggest() -> Training:
    run = Training()
    state, warnings = MLP_SPEC.from_query(biggest_network())
    assert not warnings
    run.build(state, None)
    return run


def test_the_estimate_grows_with_the_network_and_the_data():
    small = build_trainer(MLPState(hidden=(4,), activations=("relu",)), load_data(MLPState()))
    big = biggest().trainer
    assert budget.update_seconds(big) > 10 * budget.update_seconds(small)
    more = MLPState(points=1000, hidden=(4,), activations=("relu",))
    assert budget.update_seconds(build_trainer(more, load_data(more))) > budget.update_seconds(small)


def test_plus_100_on_the_largest_network_trains_what_one_click_may_and_says_so(monkeypatch):
    run = biggest()
    assert budget.update_seconds(run.trainer) * 100 > budget.CLICK_SECONDS  # 100 updates are over a click's budget
    monkeypatch.setattr(budget, "CLICK_SECONDS", 0.1)  # a smaller budget: the same rule, a quicker test
    expected = int(budget.CLICK_SECONDS / budget.update_seconds(run.trainer))
    assert 1 <= expected < 100
    run.click(100)
    assert run.trainer.updates == expected
    assert f"Trained {expected} of 100 updates this click" in run.messages[0] and "Press +100 again" in run.messages[0]
    run.click(1)  # affordable: no notice
    assert run.trainer.updates == expected + 1 and run.messages == []


def test_a_lesson_sized_network_trains_every_update_asked_for():
    run = Training()
    run.build(MLPState(hidden=(8, 8), activations=("relu", "relu")), None)
    run.click(100)
    assert run.trainer.updates == 100 and run.notice is None


def test_a_play_frame_trains_within_its_own_budget_and_at_least_one_update(monkeypatch):
    run = biggest()
    run.set_playing(True, 500)
    monkeypatch.setattr(budget, "FRAME_SECONDS", 0.0)
    run.frame(500)
    assert run.trainer.updates == 1 and run.playing


def test_play_stops_after_its_minutes_and_says_so():
    run = Training(play_minutes=0)
    run.build(MLPState(hidden=(2,), activations=("relu",)), None)
    run.set_playing(True, 500)
    run.frame(500)
    assert not run.playing and run.trainer.updates == 0
    assert run.messages == [budget.PLAY_STOPPED] and "5 minutes" in budget.PLAY_STOPPED
    run.set_playing(True, 500)  # pressing Play again clears the message
    assert run.messages == []


def record(update: int, problem: str | None = None) -> StepRecord:
    return StepRecord(update, 0.0, 1.0 / update, None, None, None, (1.0,), (0.0,), (1.0,), (), (), problem,
                      signal_norms=(1.0, 2.0))


def test_a_short_history_is_drawn_whole():
    history = [record(u) for u in range(1, CHART_POINTS + 1)]
    assert chart_records(history) is history


def test_a_long_history_keeps_the_lessons_span_the_trap_and_the_latest_exactly():
    history = [record(u) for u in range(1, 20_001)]
    history[-1] = replace(history[-1], problem="update 20000: the loss became nan")
    kept = chart_records(history)
    assert len(kept) <= CHART_POINTS
    updates = [r.update for r in kept]
    assert updates == sorted(set(updates))
    assert updates[:LESSON_UPDATES] == list(range(1, LESSON_UPDATES + 1))
    assert updates[-LATEST:] == list(range(20_001 - LATEST, 20_001)) and kept[-1].problem
    middle = updates[LESSON_UPDATES:-LATEST]
    gaps = {b - a for a, b in zip(middle, middle[1:], strict=False)}
    assert max(gaps) <= 40  # evenly thinned, not cut


@pytest.mark.parametrize("draw", [loss_figure, grad_norm_figure])
def test_charts_of_a_long_run_send_a_bounded_number_of_points(draw):
    history = [record(u) for u in range(1, 20_001)]
    fig = draw(history)
    assert all(len(trace.x) <= CHART_POINTS for trace in fig.data) and fig.data[0].x[-1] == 20_000


def test_the_loss_slice_of_the_largest_network_is_coarser_and_says_why():
    run = biggest()
    side = budget.slice_resolution(run.trainer)
    assert side % 2 == 1 and 5 <= side < budget.SLICE_RESOLUTION
    params = sum(p.value.size for p in run.trainer.params)
    assert side * side * len(run.trainer.x_train) * params * budget.SECONDS_PER_MULTIPLY_ADD <= budget.CLICK_SECONDS
    land = loss_slice(run.trainer, resolution=side)
    assert f"coarser than {budget.SLICE_RESOLUTION} × {budget.SLICE_RESOLUTION}" in describe_slice(land)
    small = build_trainer(MLPState(hidden=(4,), activations=("relu",)), load_data(MLPState()))
    assert budget.slice_resolution(small) == budget.SLICE_RESOLUTION
    assert "coarser" not in describe_slice(loss_slice(small, resolution=budget.SLICE_RESOLUTION))

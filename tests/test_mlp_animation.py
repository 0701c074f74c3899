"""MLP lab Play in the browser (issue 14): each server run while playing trains a batch and keeps snapshots, which
the map and the loss curve carry as animation frames; checked against the trainer itself."""

import base64
import math

import numpy as np
import pytest

from engine.formatting import parse_readable
from playground.mlp import animation, budget
from playground.mlp.lab import build_trainer, decision_grid, load_data
from playground.mlp.state import MLP_SPEC, MLPState
from playground.mlp.training import TRAP_SHOWN_AFTER, Training
from playground.surfaces.figures import MAX_LOG_TICKS


def playing(**query) -> Training:
    run = Training()
    run.build(MLP_SPEC.from_query(query)[0], None)
    run.set_playing(True, 5000)
    return run


def bytes_of(z: dict) -> np.ndarray:
    """A typed array as plotly.js decodes it."""
    shape = tuple(int(n) for n in z["shape"].split(","))
    return np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.uint8).reshape(shape)


def label(trace: dict) -> int:
    return int(trace["text"][0].split()[1])


def test_a_batch_trains_its_updates_and_snapshots_from_where_the_last_one_ended():
    run = playing(data="xor", hidden="8", act="tanh")
    run.frame(5000)
    first = run.batch
    assert run.trainer.updates == animation.UPDATES_PER_BATCH and run.playing
    updates = [s.update for s in first.snapshots]
    every = animation.stride(animation.UPDATES_PER_BATCH)
    assert updates == list(range(0, animation.UPDATES_PER_BATCH + 1, every))
    assert len(first.snapshots) - 1 <= animation.MAX_FRAMES
    # the last snapshot is the trainer's own state: its map and its loss
    assert np.allclose(first.snapshots[-1].z, decision_grid(run.trainer, run.data, animation.RESOLUTION)[2], atol=1e-6)
    assert first.snapshots[-1].train_loss == run.trainer.history[-1].train_loss
    run.frame(5000)
    second = run.batch
    assert second.number == first.number + 1 and second.snapshots[0] is first.snapshots[-1]
    assert second.snapshots[-1].update == run.trainer.updates == 2 * animation.UPDATES_PER_BATCH


def test_a_batch_stops_at_the_target_and_pressing_play_again_starts_a_new_one():
    run = playing(data="xor", hidden="8", act="tanh")
    run.frame(7)
    assert run.trainer.updates == 7 and not run.playing and run.batch.snapshots[-1].update == 7
    run.set_playing(True, 7)
    assert run.batch is None  # a new Play doesn't continue a batch the browser no longer shows


def test_a_large_network_trains_a_smaller_batch_within_the_budget():
    query = dict(data="spiral", points="1000", hidden="32,32,32,32,32,32,32,32", act=",".join(["tanh"] * 8))
    run = playing(**query)
    affordable = budget.affordable(run.trainer, animation.UPDATES_PER_BATCH, budget.FRAME_SECONDS)
    assert affordable < animation.UPDATES_PER_BATCH
    run.frame(5000)
    assert run.trainer.updates == affordable == run.batch.snapshots[-1].update


def test_the_map_plays_each_snapshot_with_its_update_number():
    run = playing(data="circle", hidden="4", act="tanh")
    run.frame(5000)
    train, test = run.trainer.train_set, run.trainer.test_set
    fig = animation.map_figure(run.batch, run.data, train, test, discrete=False).to_dict()
    snapshots = run.batch.snapshots
    assert fig["data"][0]["type"] == "heatmap" and label(fig["data"][-1]) == snapshots[0].update
    assert [int(f["name"]) for f in fig["frames"]] == [s.update for s in snapshots[1:]]
    for frame, snap in zip(fig["frames"], snapshots[1:], strict=True):
        heat, text = frame["data"]
        assert frame["traces"] == [0, len(fig["data"]) - 1] and label(text) == snap.update
        # P(class 1) on 0..LEVELS: a byte within half a level of the probability
        assert np.abs(bytes_of(heat["z"]) / animation.LEVELS - snap.z).max() <= 0.5 / animation.LEVELS + 1e-6
    assert fig["layout"]["meta"]["batch"] == str(run.batch.number)
    assert fig["layout"]["meta"]["every"] * len(fig["frames"]) <= 1000 * animation.BATCH_SECONDS


def test_the_colour_bar_reads_in_the_models_values():
    bar = animation.colour_ticks(0.0, 1.0, classes=False)
    assert bar["ticktext"][0] == "0" and bar["ticktext"][-1] == "1" and bar["tickvals"][-1] == animation.LEVELS
    bar = animation.colour_ticks(0.0, 2.0, classes=True)
    assert bar["ticktext"] == ["0", "1", "2"] and bar["tickvals"] == [0, animation.LEVELS / 2, animation.LEVELS]
    bar = animation.colour_ticks(-1.5, 1.5, classes=False)
    assert all(-1.5 <= float(t) <= 1.5 for t in bar["ticktext"]) and len(bar["ticktext"]) >= 3


def test_levels_keep_the_ends_and_send_what_is_not_finite_as_the_low_end():
    codes = animation.levels(np.array([[0.0, 0.5, 1.0, 2.0], [-1.0, np.nan, np.inf, 0.25]]), 0.0, 1.0)
    assert codes.dtype == np.uint8
    assert codes.tolist() == [[0, 125, 250, 250], [0, 0, 250, 62]]


def test_a_discretized_map_plays_classes_and_a_regression_plays_over_the_batchs_range():
    run = playing(data="xor", hidden="8", act="tanh")
    run.frame(5000)
    fig = animation.map_figure(run.batch, run.data, run.trainer.train_set, run.trainer.test_set, True).to_dict()
    assert all(set(np.unique(bytes_of(f["data"][0]["z"]))) <= {0, animation.LEVELS} for f in fig["frames"])
    assert fig["data"][0]["colorbar"]["ticktext"] == ["0", "1"]
    run = playing(data="regression", loss="mse", hidden="8", act="tanh")
    run.frame(5000)
    fig = animation.map_figure(run.batch, run.data, run.trainer.train_set, run.trainer.test_set, False).to_dict()
    low, high = animation.scale(run.batch, "regression", False, 1)
    assert low == min(float(s.z.min()) for s in run.batch.snapshots)
    last = bytes_of(fig["frames"][-1]["data"][0]["z"])
    assert np.abs(low + last / animation.LEVELS * (high - low) - run.batch.snapshots[-1].z).max() <= (high - low) / 400


def test_the_loss_curve_grows_through_the_batch_inside_fixed_axes():
    run = playing(data="xor", hidden="8", act="tanh")
    run.frame(5000)
    run.frame(5000)
    history, batch = run.trainer.history, run.batch
    fig = animation.loss_figure(history, batch).to_dict()
    before, playing_lines = fig["data"][:2], fig["data"][2:]
    assert [t["name"] for t in before] == [t["name"] for t in playing_lines] == ["train loss", "test loss"]
    assert max(before[0]["x"]) == batch.snapshots[0].update  # the curve up to the batch, named once in the legend
    assert all(t.get("showlegend", True) for t in before) and not any(t["showlegend"] for t in playing_lines)
    for frame, snap in zip(fig["frames"], batch.snapshots[1:], strict=True):
        train, test = frame["data"]
        assert train["x"][-1] == test["x"][-1] == snap.update
        record = next(r for r in history if r.update == snap.update)
        assert train["y"][-1] == record.train_loss and test["y"][-1] == record.test_loss
    low, high = fig["layout"]["yaxis"]["range"]
    losses = [v for r in history for v in (r.train_loss, r.test_loss)]
    assert low <= math.log10(min(losses)) and math.log10(max(losses)) <= high
    assert fig["layout"]["xaxis"]["range"][1] >= run.trainer.updates


def test_charts_while_paused_are_the_trainers_own_and_say_which_update():
    state = MLPState(dataset="xor", hidden=(4,), activations=("tanh",))
    data = load_data(state)
    trainer = build_trainer(state, data)
    trainer.run(12)
    (fig, text), (loss, _) = animation.charts(trainer, data, None, False)
    assert label(fig.to_dict()["data"][-1]) == 12 and "frames" not in fig.to_dict()
    assert not text.startswith("Playing")


@pytest.mark.parametrize("updates,stride", [(1, 1), (25, 1), (26, 2), (50, 2), (51, 3)])
def test_a_batch_has_at_most_max_frames_snapshots(updates, stride):
    assert animation.stride(updates) == stride and -(-updates // stride) <= animation.MAX_FRAMES


def test_the_first_batchs_lines_are_named_in_the_legend():
    run = playing(data="xor", hidden="8", act="tanh")
    run.frame(5000)
    fig = animation.loss_figure(run.trainer.history, run.batch).to_dict()
    lines = fig["data"][-2:]  # the batch's, which start empty: update 0 has no loss yet
    assert [t["name"] for t in lines] == ["train loss", "test loss"] and all(t["showlegend"] for t in lines)
    assert not any(t.get("showlegend", True) and len(t["x"]) for t in fig["data"][:-2])  # named once


# --- Play into the NaN trap: the batch replays the updates that trained normally, then the page shows the trap ---

EXPLODING = "Exploding gradients, caught by the NaN trap"


def exploding_lesson_playing() -> Training:
    from playground.common.presets import load_presets

    return playing(**next(p for p in load_presets("mlp") if p["name"] == EXPLODING)["query"])


def test_the_batch_that_hits_the_nan_trap_ends_at_the_last_finite_update_and_hides_the_trap_while_it_plays():
    run = exploding_lesson_playing()
    run.frame(5000)
    trainer, shots = run.trainer, run.batch.snapshots
    assert trainer.halted and run.playing and run.revealing and not run.trapped
    kept = trainer.updates - 1  # the trap put back the weights from before the update that failed
    assert shots[0].update == 0 and shots[-1].update == kept and [s.update for s in shots] == sorted(
        {s.update for s in shots})
    assert np.allclose(shots[-1].z, decision_grid(trainer, run.data, animation.RESOLUTION)[2], atol=1e-6)
    record = next(r for r in trainer.history if r.update == kept)
    assert shots[-1].train_loss == record.train_loss and math.isfinite(record.train_loss)
    assert not math.isfinite(trainer.history[-1].train_loss)  # the failed update's inf is not replayed
    # the heading, the metrics and the text alternatives are at the replay's end: no trap, no inf yet
    assert run.trap() is None and run.last is record
    assert run.progress(5000)[0].startswith(f"update {kept} ·")
    (_, map_text), (_, loss_text) = animation.charts(trainer, run.data, run.batch, False)
    assert "inf" not in loss_text and f"at update {kept}" in loss_text
    runs = 0
    while run.playing:  # the trap is shown a set number of server runs later, with nothing trained meanwhile
        run.frame(5000)
        runs += 1
    assert runs == TRAP_SHOWN_AFTER and trainer.updates == kept + 1 and run.trapped
    message, _ = run.trap()
    assert f"update {kept + 1}:" in message and run.progress(5000)[0].startswith(f"update {kept + 1} ·")


def test_pause_while_the_trap_batch_plays_shows_the_trap_at_once():
    run = exploding_lesson_playing()
    run.frame(5000)
    run.set_playing(False, 5000)
    assert run.trapped and run.trap() is not None
    run.set_playing(True, 5000)  # Play is off after the trap: even pressed, it doesn't hide the trap again
    assert run.trapped and run.trap() is not None


def test_the_map_after_the_trap_is_labelled_with_the_update_whose_weights_it_kept():
    run = exploding_lesson_playing()
    run.set_playing(False, 5000)
    run.train(100)
    trainer = run.trainer
    assert trainer.halted
    (fig, _), _ = animation.charts(trainer, run.data, None, False)
    text = fig.to_dict()["data"][-1]["text"][0]
    assert label(fig.to_dict()["data"][-1]) == trainer.updates - 1 and "kept by the NaN trap" in text


def test_a_regression_batch_that_blew_up_gives_each_frame_its_own_colour_scale():
    """One scale up to the blown-up update's 10¹¹ painted the updates that trained normally one flat colour."""
    run = exploding_lesson_playing()
    run.frame(5000)
    shots = run.batch.snapshots
    fig = animation.map_figure(run.batch, run.data, run.trainer.train_set, run.trainer.test_set, False).to_dict()
    for frame, snap in zip(fig["frames"], shots[1:], strict=True):
        heat = frame["data"][0]
        codes = bytes_of(heat["z"])
        assert codes.min() == 0 and codes.max() == animation.LEVELS  # the frame's own range, end to end
        ticks = [float(parse_readable(t)) for t in heat["colorbar"]["ticktext"]]
        assert snap.z.min() <= min(ticks) and max(ticks) <= snap.z.max()  # labelled in the frame's own values
        assert heat["colorbar"]["title"] == fig["data"][0]["colorbar"]["title"]  # the bar keeps its title
    early, late = (max(abs(float(parse_readable(t))) for t in f["data"][0]["colorbar"]["ticktext"])
                   for f in (fig["frames"][0], fig["frames"][-1]))
    assert late > 1e6 * early  # the explosion is read off the colour bar
    # a regression that trains normally keeps the batch's one scale (the colour bar stays put)
    run = playing(data="regression", loss="mse", hidden="8", act="tanh")
    run.frame(5000)
    fig = animation.map_figure(run.batch, run.data, run.trainer.train_set, run.trainer.test_set, False).to_dict()
    assert not any("colorbar" in f["data"][0] for f in fig["frames"])


def test_the_loss_curve_of_a_batch_that_blew_up_labels_a_few_powers_of_ten():
    """Play's curve starts with less than its frames draw: its labels were spaced for update 0, every decade, and
    the exploding lesson's 24 decades were written one on another."""
    run = exploding_lesson_playing()
    run.frame(5000)
    axis = animation.loss_figure(run.trainer.history, run.batch).to_dict()["layout"]["yaxis"]
    low, high = axis["range"]
    assert high - low > 20 and (high - low) / axis["dtick"] <= MAX_LOG_TICKS + 1

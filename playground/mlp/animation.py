"""MLP lab Play in the browser (issue 14): while playing, the server trains a batch of updates every BATCH_SECONDS
and keeps a snapshot of the decision map and the losses every few updates; the map and the loss curve go to the
browser with the snapshots as Plotly animation frames, and the browser plays them until the next batch arrives.
No server round trip per frame. Pure functions; no Streamlit import."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace

import numpy as np

from engine.formatting import readable
from playground.common.palette import LIGHT, Palette
from playground.common.plain_figure import PlainFigure

from . import figures, words
from .history import chart_records
from .lab import decision_grid, plot_range

BATCH_SECONDS = 2.0  # while playing, the server trains the next batch this often
UPDATES_PER_SECOND = 25  # what Play trains (and the browser draws) when the work budget allows it
UPDATES_PER_BATCH = round(UPDATES_PER_SECOND * BATCH_SECONDS)
MAX_FRAMES = 25  # frames per batch at most, about 14 a second: of 50 updates, every other one is drawn
RESOLUTION = 40  # grid points per axis of a snapshot's map (a paused map has decision_grid's 70)
# A snapshot's map is sent as one byte per grid point, 0 to LEVELS. Not 255: a trained map is mostly its two ends,
# and a run of 255s is base64's "////", which the page's JSON writes as "\u002f", six bytes each.
LEVELS = 250
# The browser plays a batch in this share of BATCH_SECONDS: a frame drawn late still ends before the next batch.
PLAY_SHARE = 0.9
MAP_KEY, LOSS_KEY = "mlp_boundary", "mlp_loss_fig"  # the charts' keys on the page, where the browser finds them


@dataclass(frozen=True)
class Snapshot:
    """What the charts draw at one update: the model's output over the RESOLUTION² grid, and the losses."""
    update: int
    z: np.ndarray
    train_loss: float | None
    test_loss: float | None


@dataclass(frozen=True)
class Batch:
    """One server run's snapshots, the first one where the previous batch ended; ``number`` counts the batches of
    the session, so that the page's script tells this batch's charts from the last one's."""
    number: int
    snapshots: tuple[Snapshot, ...]


def grid_axes(data) -> tuple[np.ndarray, np.ndarray]:
    """The snapshots' grid, as decision_grid lays it out at RESOLUTION."""
    (x0, x1), (y0, y1) = plot_range(data)
    return np.linspace(x0, x1, RESOLUTION), np.linspace(y0, y1, RESOLUTION)


def snapshot(trainer, data) -> Snapshot:
    last = trainer.history[-1] if trainer.history else None
    return Snapshot(trainer.updates, decision_grid(trainer, data, RESOLUTION)[2].astype(np.float32),
                    last.train_loss if last else None, last.test_loss if last else None)


def before_trap(shots: list[Snapshot], trainer) -> list[Snapshot]:
    """The snapshots of a batch that hit the NaN trap, ending at the last finite update: the trap put back the weights
    of the update before the one that failed, so the snapshot taken after it shows those, and is labelled with
    that update and its losses (not the failed update's number and inf, the weights the trap discarded)."""
    kept = trainer.updates - 1
    record = next((r for r in reversed(trainer.history) if r.update == kept), None)
    last = replace(shots[-1], update=kept, train_loss=record.train_loss if record else None,
                   test_loss=record.test_loss if record else None)
    return [s for s in shots[:-1] if s.update < kept] + [last]


def stride(updates: int) -> int:
    """Updates between two snapshots, so that a batch of ``updates`` has at most MAX_FRAMES frames."""
    return max(1, -(-updates // MAX_FRAMES))


def frame_milliseconds(frames: int) -> int:
    """The time between two of ``frames`` frames, so that they play in PLAY_SHARE of BATCH_SECONDS."""
    return int(1000 * BATCH_SECONDS * PLAY_SHARE / max(frames, 1))


def _animated(fig: PlainFigure, batch: Batch, frames: list[tuple[int, list[dict]]], traces: list[int]) -> PlainFigure:
    """``fig`` with one Plotly animation frame per snapshot after the first (the figure itself is the first), and
    what the page's script (playground.common.play.play_in_browser) reads to play them: the batch they belong to and
    the milliseconds between two frames."""
    fig.update_layout(meta=dict(batch=str(batch.number), every=frame_milliseconds(len(frames))))
    return fig.add_plain(frames=[dict(name=str(update), data=data, traces=traces) for update, data in frames])


# --- the decision map ---

def scale(batch: Batch, task: str, binary: bool, classes: int) -> tuple[float, float]:
    """The values the colour scale spans for the whole batch: a probability's 0 to 1, the classes' indices, or the
    regression's predictions over every snapshot."""
    if task != "regression":
        return 0.0, 1.0 if binary else float(max(classes - 1, 1))
    return _span(np.concatenate([s.z.ravel() for s in batch.snapshots]))


def _span(z: np.ndarray) -> tuple[float, float]:
    z = z[np.isfinite(z)]
    low, high = (float(z.min()), float(z.max())) if z.size else (0.0, 1.0)
    return low, high if high > low else low + 1.0


BLOWN_UP = 1000  # a regression batch whose range is this many times a snapshot's has blown up: see scales()


def scales(batch: Batch, task: str, binary: bool, classes: int) -> list[tuple[float, float]]:
    """Each snapshot's colour scale: the batch's one scale, or each snapshot's own when the batch is a regression
    that blew up (a snapshot spans under 1/BLOWN_UP of the batch's range). In the exploding lesson, the batch's scale
    up to 1.7 × 10¹¹ painted the 30 updates that trained normally, predictions of about ±2, in one flat colour."""
    low, high = scale(batch, task, binary, classes)
    if task == "regression":
        own = [_span(s.z.ravel()) for s in batch.snapshots]
        if min(h - lo for lo, h in own) * BLOWN_UP < high - low:
            return own
    return [(low, high)] * len(batch.snapshots)


def levels(z: np.ndarray, low: float, high: float) -> np.ndarray:
    """``z`` as 0 to LEVELS between ``low`` and ``high``, one byte each (not finite: 0; the NaN trap stops Play and
    the page then draws the trainer's own map)."""
    with np.errstate(all="ignore"):
        scaled = np.nan_to_num((np.asarray(z, dtype=float) - low) / (high - low), nan=0.0, posinf=1.0, neginf=0.0)
    return np.rint(np.clip(scaled, 0.0, 1.0) * LEVELS).astype(np.uint8)


def typed(codes: np.ndarray) -> dict:
    """A byte array as plotly.js reads it: base64, a third the size of JSON numbers."""
    return dict(dtype="u1", bdata=base64.b64encode(codes.tobytes()).decode(), shape=",".join(map(str, codes.shape)))


def colour_ticks(low: float, high: float, classes: bool) -> dict:
    """The colour bar labelled in the model's own values (each class, or a few round numbers), placed on the byte
    scale."""
    values = list(range(int(low), int(high) + 1)) if classes else figures.even_ticks(low, high)
    values = [v for v in values if low <= v <= high]
    return dict(tickmode="array", tickvals=[(v - low) / (high - low) * LEVELS for v in values],
                ticktext=[readable(v, 3) for v in values])


def map_figure(batch: Batch, data, train, test, discrete: bool) -> PlainFigure:
    """The decision map playing ``batch``: each frame its heatmap and its update number."""
    xs, ys = grid_axes(data)
    binary = data.task != "regression" and data.classes == 2
    shown = [figures.discretized(s.z) if binary and discrete else s.z for s in batch.snapshots]
    ranges = scales(batch, data.task, binary, data.classes)
    fig = PlainFigure(figures.boundary_figure(xs, ys, shown[0], train, test, data.task, discrete,
                                              batch.snapshots[0].update, heatmap=True))
    classes = data.task != "regression" and (discrete or not binary)
    fig.update_traces(z=levels(shown[0], *ranges[0]), zmin=0, zmax=LEVELS,
                      colorbar=colour_ticks(*ranges[0], classes), selector=0)
    bar = fig.data[0].colorbar.to_plotly_json()  # a frame's colour bar replaces the whole bar: title and all

    def heat(z, low: float, high: float) -> dict:  # with its colour bar when the scale changes from frame to frame
        return dict(type="heatmap", z=typed(levels(z, low, high)),
                    **({"colorbar": bar | colour_ticks(low, high, classes)} if len(set(ranges)) > 1 else {}))

    frames = [(s.update, [heat(z, *span), figures.update_label(xs, ys, s.update)])
              for s, z, span in zip(batch.snapshots[1:], shown[1:], ranges[1:], strict=True)]
    return _animated(fig, batch, frames, [0, len(fig.data) - 1])


# --- the loss curve ---

def loss_figure(history, batch: Batch, pal: Palette = LIGHT) -> PlainFigure:
    """The loss curve growing through ``batch``: the curve up to the batch stays, and each frame draws the batch's
    part up to its snapshot, as lines of the same colours. The axes span the whole batch, so the curve grows into
    them."""
    start, end = batch.snapshots[0].update, batch.snapshots[-1].update
    before = [r for r in history if r.update <= start]
    fig = PlainFigure(figures.loss_figure(before, pal, waiting=False))
    rows = [(s.update, s.train_loss, s.test_loss) for s in batch.snapshots if s.train_loss is not None]
    lines = [("train loss", 1, pal.edge_value, "solid")]
    if any(test is not None for _, _, test in rows):
        lines.append(("test loss", 2, pal.edge_gradient, "dash"))
    first = len(fig.data)

    def drawn(upto: int) -> list[dict]:
        shown = [row for row in rows if row[0] <= upto]
        return [dict(type="scatter", x=[row[0] for row in shown], y=[row[i] for row in shown]) for _, i, _, _ in lines]

    for (name, _, colour, dash), line in zip(lines, drawn(start), strict=True):
        fig.add_trace(dict(line, mode="lines", name=name, showlegend=not before,  # named once, by the curve before
                           line=dict(color=colour, width=2.5, dash=dash)))
    losses = [v for r in chart_records(history) for v in (r.train_loss, r.test_loss) if v is not None]
    fig.update_xaxes(range=[min([r.update for r in history[:1]] + [start]), end + 0.5])
    fig.update_yaxes(**figures.log_range(losses + [v for row in rows for v in row[1:] if v is not None]))
    frames = [(s.update, drawn(s.update)) for s in batch.snapshots[1:]]
    return _animated(fig, batch, frames, list(range(first, first + len(lines))))


def charts(trainer, data, batch: Batch | None, discrete: bool, pal: Palette = LIGHT) -> tuple[tuple, tuple]:
    """The decision map and the loss curve, each with its text alternative: playing ``batch`` in the browser, or
    (None) the trainer's own state."""
    train, test, history = trainer.train_set, trainer.test_set, trainer.history
    if batch is None:  # after the NaN trap, the weights it kept: those of the update before the one that failed
        grid, trapped = decision_grid(trainer, data), bool(trainer.halted)
        return ((figures.boundary_figure(*grid, train, test, data.task, discrete, trainer.updates - trapped,
                                         trapped=trapped),
                 words.describe_map(*grid, train, test, data.task)),
                (figures.loss_figure(history, pal), words.describe_losses(history)))
    first, last = batch.snapshots[0].update, batch.snapshots[-1].update
    playing = f"Playing updates {first} to {last} in the browser; at update {last}: "
    replayed = [r for r in history if r.update <= last]  # the NaN trap's batch ends before the update that failed
    return ((map_figure(batch, data, train, test, discrete),
             playing + words.describe_map(*grid_axes(data), batch.snapshots[-1].z, train, test, data.task)),
            (loss_figure(history, batch, pal), playing + words.describe_losses(replayed)))

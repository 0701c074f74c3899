"""Training on the page: the model built for the current setup, Play / +N, the session's update limit and the
NaN trap. The page keeps one ``Training`` per session, calls these, and draws what they say."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from engine import EngineError
from engine.limits import MAX_UPDATES
from labs.mlp.datasets import Dataset
from labs.mlp.train import StepRecord, Trainer
from labs.optim import OptimizerConfig
from labs.update_rules import learning_rate

from . import animation, budget, captions
from .animation import UPDATES_PER_BATCH
from .lab import build_trainer, load_data
from .state import LOSS_FOR_TASK, MLPState

REWIND_ONLY, REWIND_CLIP_NORM, REWIND_LOWER_ETA = "only", "clip", "lower"  # what a rewind button changes
REWIND_CLIP = 0.05  # the clipping lesson's ‖g‖ limit
PLAY_MORE = 500  # Play at the target trains this many more
# While playing, the NaN trap is shown this many server runs after the batch that hit it. The browser plays a batch in
# animation.PLAY_SHARE of the time to the next run, but from when it has drawn it: on a busy machine that was a second
# late, and the next run, showing the trap, cut the replay short at update 6. One more run keeps the map at the last
# finite update for a moment instead.
TRAP_SHOWN_AFTER = 2


def lowered(optimizer: OptimizerConfig, update: int) -> OptimizerConfig:
    """A tenth of the η that update ``update`` (1-based) used, and never above the η box's, held constant: a
    schedule that raised η (as the exploding lesson's does) would raise it again, and clipping alone leaves the step
    too large. (After a clipped run trained on to a second trap, the schedule had made η 8.85 × 10¹⁰: a tenth of it
    blew up at once.)"""
    return replace(optimizer, lr=min(learning_rate(optimizer, update - 1) / 10, optimizer.lr), schedule="constant")


@dataclass
class Training:
    trainer: Trainer | None = None
    data: Dataset | None = None
    built_for: tuple[MLPState, str | None] | None = None  # the setup and own points the trainer was built for
    playing: bool = False
    limit: str | None = None  # set when the session's update limit stopped training
    notice: str | None = None  # why the last click or Play trained less than asked (the work budget)
    play_minutes: float = budget.PLAY_MINUTES
    play_started: float = 0.0  # time.monotonic() when Play was pressed
    batch: animation.Batch | None = None  # while playing, the last batch trained, for the browser to play
    batches: int = 0  # batches trained this session: each one's number
    unbuilt: bool = False  # the setup shown can't be built: the model kept is another setup's, and isn't trained
    runs_since_trap: int = 0  # server runs while playing since the batch that hit the NaN trap (TRAP_SHOWN_AFTER)

    def build(self, state: MLPState, own_csv: str | None) -> tuple[MLPState, str | None]:
        """A new model when the setup changed. Returns the setup the model is built for and, when this setup
        can't be built, why (the previous model, if any, is kept to look at, but not trained: ``can_train``)."""
        self.unbuilt = False
        if self.trainer is not None and self.built_for == (state, own_csv):
            return state, None
        try:
            data = load_data(state, own_csv)
            if data.task == "regression" and state.loss != LOSS_FOR_TASK["regression"]:
                raise EngineError("regression data needs the mse loss: choose it under Training")
            self.trainer, self.data = build_trainer(state, data), data
        except (EngineError, ValueError) as e:
            kept = self.trainer is not None
            self.unbuilt, self.playing = kept, False
            return (self.built_for[0] if kept else state), (
                f"Can't build this network: {e}." + (" The previous model is kept to look at; Play and +N train "
                                                     "again once the settings above can be built." if kept else ""))
        self.built_for, self.playing, self.limit, self.notice = (state, own_csv), False, None, None
        return state, None

    @property
    def messages(self) -> list[str]:
        """Why training stopped or trained less than asked: the session's limit, the work budget."""
        return [m for m in (self.limit, self.notice) if m]

    @property
    def revealing(self) -> bool:
        """Still playing, though the NaN trap has stopped training: the browser replays the batch that hit it, up
        to the last finite update, and TRAP_SHOWN_AFTER server runs later the page shows the trap. Shown at once,
        the trap's box, heading and inf came before the replay of the updates that trained normally (the review:
        'the learner never sees "trains normally for 30 updates"')."""
        return self.playing and self.batch is not None and bool(self.trainer.halted)

    @property
    def trapped(self) -> bool:
        """The NaN trap has stopped training, and the page says so: Play and +N are off until a rewind or Reset."""
        return self.trainer is not None and bool(self.trainer.halted) and not self.playing

    @property
    def can_train(self) -> bool:
        """Play (or Pause) and +N may be pressed: not after the NaN trap, nor while the settings shown can't be
        built (the model on the page is the previous setup's: the review's Play trained the circle model while the
        dataset box said Regression)."""
        return not (self.trapped or self.unbuilt)

    @property
    def shown_update(self) -> int:
        """The update the heading and metrics are at: the trainer's, or while ``revealing``, the replay's end."""
        return self.batch.snapshots[-1].update if self.revealing else self.trainer.updates

    @property
    def last(self) -> StepRecord | None:
        """The record of ``shown_update`` (the latest one before it when the history is thinned)."""
        if not (self.trainer and self.trainer.history):
            return None
        shown = self.shown_update
        return next((r for r in reversed(self.trainer.history) if r.update <= shown), None)

    def progress(self, target: int) -> tuple[str, float, str]:
        """The heading (update and epoch), and the progress bar's fraction and text."""
        last, updates = self.last, self.shown_update
        heading = f"update {updates} · epoch {captions.epochs(last.epoch if last else 0.0)}"
        eta = captions.eta_note(self.trainer.cfg.optimizer, self.trainer.optimizer.t)
        return heading, min(updates / target, 1.0), (f"{updates} / {target} updates" + self._replaying()
                                                     + (f" · {eta}" if eta else ""))

    def _replaying(self) -> str:
        """While playing, what the map and loss curve show: the batch trained a moment ago, replayed behind the
        heading and metrics, which are already at its end (the second review: 'the heading says 200, the map 174')."""
        if not self.playing:
            return ""
        shots = self.batch.snapshots if self.batch else ()
        return (" — playing" + (f": the map and loss curve replay updates {shots[0].update}–{shots[-1].update}, "
                                "trained a moment ago; the numbers here are at its end" if len(shots) > 1 else ""))

    def reset(self) -> None:
        """Forget the model: the next run builds it afresh from the current setup."""
        self.trainer, self.playing, self.limit, self.notice = None, False, None, None

    def click(self, updates: int) -> None:
        """+1 / +10 / +100: as many of ``updates`` as one click's work budget allows, saying so when fewer."""
        done = budget.affordable(self.trainer, updates, budget.CLICK_SECONDS)
        self.notice = budget.click_notice(self.trainer, updates, done) if done < updates else None
        self.train(done)

    def train(self, updates: int) -> None:
        """Up to ``updates`` updates; stops (and stops playing) at the NaN trap or the session's limit."""
        for _ in range(updates):
            if self.trainer.updates >= MAX_UPDATES:
                self.limit = (f"This model has reached {MAX_UPDATES:,} updates, the most one session may train: "
                              "Reset to start again.")
                self.playing = False
                return
            if not self.trainer.step() or self.trainer.halted:
                self.playing = False
                return

    def rewind(self, how: str = REWIND_ONLY) -> MLPState:
        """After the NaN trap: train on from the trainer's rewind point, with the same settings (REWIND_ONLY), the
        gradient's norm clipped at REWIND_CLIP from now on (REWIND_CLIP_NORM), or η lowered (REWIND_LOWER_ETA:
        see ``lowered``). Returns the setup the model now has, for the widgets to show."""
        state, own_csv = self.built_for
        optimizer = {REWIND_ONLY: state.optimizer, REWIND_CLIP_NORM: replace(state.optimizer, clip_norm=REWIND_CLIP),
                     REWIND_LOWER_ETA: lowered(state.optimizer, self.trainer.updates)}[how]
        self.trainer.rewind()
        if optimizer != state.optimizer:
            state = replace(state, optimizer=optimizer)
            self.trainer.set_optimizer(optimizer)
        self.built_for, self.limit, self.notice = (state, own_csv), None, None
        return state

    def trap(self) -> tuple[str, list[tuple[str, str]]] | None:
        """The NaN trap's message and its rewind buttons, (label, how) for ``rewind``; None when not halted, or
        while the batch that hit it is still replayed (``revealing``)."""
        point = self.trainer.rewind_point()
        if point is None or self.playing:
            return None
        optimizer, failed = self.trainer.cfg.optimizer, self.trainer.updates
        first = self.trainer.history[0].train_loss if self.trainer.history else None
        return (captions.nan_trap_message(self.trainer.halted, point.update, point.train_loss, first),
                captions.rewind_buttons(point.update, REWIND_CLIP, lowered(optimizer, failed).lr, failed,
                                        learning_rate(optimizer, failed - 1), optimizer.schedule != "constant"))

    def set_playing(self, on: bool, target: int) -> int:
        """Play or pause; returns the update to play until (further on when it was already reached)."""
        self.playing, self.notice, self.batch = on and not self.trainer.halted, None, None
        self.play_started = time.monotonic()
        if on and self.trainer.updates >= target:
            return self.trainer.updates + PLAY_MORE
        return target

    def frame(self, target: int) -> None:
        """One server run while playing (every BATCH_SECONDS): trains the next batch, up to UPDATES_PER_BATCH
        updates within the work budget, and keeps it as ``batch``: a snapshot where the last batch ended, then one
        every animation.stride updates, which the browser plays until the next run. Playing stops at the target,
        the NaN trap (TRAP_SHOWN_AFTER runs after the batch that hit it: see ``revealing``), the limit, or when it
        has played for ``play_minutes``."""
        if not self.playing or self.trainer is None:
            return
        if self.trainer.halted:  # the batch that hit the trap is replayed: then the page shows the trap
            self.runs_since_trap += 1
            self.playing = self.runs_since_trap < TRAP_SHOWN_AFTER
            return
        if time.monotonic() - self.play_started >= 60 * self.play_minutes:
            self.playing, self.notice = False, budget.PLAY_STOPPED
            return
        wanted = min(UPDATES_PER_BATCH, max(target - self.trainer.updates, 0))
        updates = min(wanted, budget.affordable(self.trainer, wanted, budget.FRAME_SECONDS)) if wanted else 0
        ended = self.batch.snapshots[-1] if self.batch else None  # where the browser's map is now
        shots = [ended if ended and ended.update == self.trainer.updates else animation.snapshot(self.trainer,
                                                                                                self.data)]
        every, end = animation.stride(updates), self.trainer.updates + updates
        while self.playing and self.trainer.updates < end:
            self.train(min(every, end - self.trainer.updates))
            shots.append(animation.snapshot(self.trainer, self.data))
        if self.trainer.halted:  # replayed up to the last finite update first; the trap is shown after it
            shots, self.playing, self.runs_since_trap = animation.before_trap(shots, self.trainer), True, 0
        elif self.trainer.updates >= target:
            self.playing = False
        self.batches += 1
        self.batch = animation.Batch(self.batches, tuple(shots))

"""The MLP lab's work budget (issue 15): one click, one Play frame and one Play press may each cost only so much of
the shared server. An update's cost is estimated from the network's size, so how many updates a click trains is
the same on every run (and in tests) and does not depend on how busy the machine happens to be."""

from __future__ import annotations

from engine.graph import topo_order

# Measured on the 2-core development machine with BLAS on one thread (64 networks from 1 layer of 8 to 8 × 32, 100
# or 1,000 points, full batch or 10, with and without penalties), as process CPU time: one update costs about
# 0.17 ns per multiply-add of its matrix products (forward and backward on the batch, then a forward pass over the
# training and test sets for the losses), plus about 15 µs per node of the loss's graph. The constants below err
# on the high side (the largest network a link allows: 11 ms estimated, 7.8 ms measured). With BLAS on several
# threads the same update costs 5-10 times the CPU on this machine (threads spinning for work): the server must
# run BLAS on one thread.
SECONDS_PER_MULTIPLY_ADD = 0.25e-9
SECONDS_PER_NODE = 21e-6
SECONDS_PER_UPDATE = 0.5e-3
CLICK_SECONDS = 1.0  # +1 / +10 / +100: with the page's own run (0.25 s there), a click stays well under 2 s
FRAME_SECONDS = 0.1  # training in one server run while Play plays (one batch; the run also draws its two charts)
SLICE_RESOLUTION = 31  # the loss slice's grid points per axis when the network affords them
PLAY_MINUTES = 5  # one press of Play plays at most this long: a forgotten tab doesn't train for an hour


def update_seconds(trainer) -> float:
    """The estimated server time of one update of ``trainer``."""
    params = sum(p.value.size for p in trainer.params)
    batch = len(trainer.x_train) if trainer.cfg.batch_size <= 0 else min(trainer.cfg.batch_size, len(trainer.x_train))
    rows = 3 * batch + len(trainer.x_train) + len(trainer.x_test)  # forward + backward ≈ 3 passes, then the losses
    total, _, _ = trainer.loss(trainer.x_train[:1], trainer.y_train[:1])  # one row: the graph's shape, nearly free
    return SECONDS_PER_UPDATE + SECONDS_PER_MULTIPLY_ADD * rows * params + SECONDS_PER_NODE * len(topo_order(total))


def affordable(trainer, wanted: int, seconds: float) -> int:
    """How many of ``wanted`` updates fit in ``seconds`` (at least one, so every click moves)."""
    return max(1, min(wanted, int(seconds / update_seconds(trainer))))


def slice_resolution(trainer, seconds: float = CLICK_SECONDS) -> int:
    """Grid points per axis of the loss slice (odd, so that its middle is the current weights): SLICE_RESOLUTION,
    or fewer when each grid point's forward pass over the training set makes that cost more than ``seconds``."""
    params = sum(p.value.size for p in trainer.params)
    per_point = SECONDS_PER_MULTIPLY_ADD * len(trainer.x_train) * params + SECONDS_PER_UPDATE / 10
    side = int((seconds / per_point) ** 0.5)
    return max(5, min(SLICE_RESOLUTION, side - (side % 2 == 0)))


def click_notice(trainer, wanted: int, done: int) -> str:
    """What the page says when a click trained fewer updates than asked for."""
    return (f"Trained {done} of {wanted} updates this click: {wanted} updates of this network would take about "
            f"{wanted * update_seconds(trainer):.1f} s of the server's time, and one click may use "
            f"{CLICK_SECONDS:g} s (the server is shared by the class). Press +{wanted} again to go on; a smaller "
            "network, fewer points or a smaller batch train further per click.")


PLAY_STOPPED = (f"Play stopped after {PLAY_MINUTES} minutes, the most one press may play (the server is shared by "
                "the class): press Play to go on.")

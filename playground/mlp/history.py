"""Which of the training's records the charts draw. A long run is thinned so that a rerun sends a bounded amount of
chart data (20,000 updates of an 8-layer net drew 180,000 points, about 3 MB of JSON, on every Play frame), while
what a lesson points at stays exact: every update of the first LESSON_UPDATES, the update where the NaN trap
fired, and the latest ones."""

from __future__ import annotations

from labs.mlp.train import KEEP_EVERY

LESSON_UPDATES = KEEP_EVERY  # every lesson's numbers come from its first 500 updates: the trainer keeps them all
CHART_POINTS = 1000  # at most about this many records are drawn
LATEST = 10  # the latest updates are all drawn: the end of the curve is where the learner is looking


def chart_records(history: list, limit: int = CHART_POINTS) -> list:
    """``history`` itself when it is short; otherwise its first LESSON_UPDATES records, then every k-th record
    (k as small as fits ``limit``), every record with a problem (the NaN trap's), and the LATEST last, in order."""
    if len(history) <= limit:
        return history
    head, rest = history[:LESSON_UPDATES], history[LESSON_UPDATES:]
    stride = -(-len(rest) // max(limit - LESSON_UPDATES - LATEST, 1))  # ceiling division
    kept = {i for i in range(0, len(rest), stride)} | {len(rest) - 1 - i for i in range(min(LATEST, len(rest)))}
    kept |= {i for i, record in enumerate(rest) if record.problem}
    return head + [rest[i] for i in sorted(kept)]
